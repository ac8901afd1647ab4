// Production code importing test support.
import { helper } from '../testing/helper.js';

export const used = (): number => helper();
