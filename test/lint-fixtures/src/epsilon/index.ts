import { zetaValue } from '../zeta/index.js';

export const epsilonValue = (): number => zetaValue;
