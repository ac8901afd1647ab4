export const deltaValue = (): number => 4;
