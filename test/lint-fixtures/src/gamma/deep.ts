// Reaches inside another module instead of going through its index.
import { keepValue } from '../policies/keep/rules.js';

export const deep = (): number => keepValue();
