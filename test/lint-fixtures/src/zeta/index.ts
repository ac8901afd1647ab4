// A type-only import vanishes at runtime: zeta -> epsilon here closes no cycle.
import type { epsilonValue } from '../epsilon/index.js';

export type Epsilon = typeof epsilonValue;
export const zetaValue = 5;
