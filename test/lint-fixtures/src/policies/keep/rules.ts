export const keepValue = (): number => 1;
