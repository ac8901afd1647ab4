// A good file: another module through its index, a platform module through its index, the clock directly.
import { keepValue } from '../policies/keep/index.js';
import { dbValue } from '../platform/db/index.js';
import { now } from '../platform/clock.js';
import { loose } from './loose.js';

export const gammaValue = (): number => keepValue() + dbValue() + now() + Number(loose());
