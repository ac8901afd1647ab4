export const helper = (): number => 3;
