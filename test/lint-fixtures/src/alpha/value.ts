import { betaValue } from '../beta/index.js';

export const alphaValue = (): number => betaValue() + 1;
