export const libValue = (): number => 2;
