// Test support may import test support and reach inside modules.
import { helper } from '../testing/helper.js';
import { keepValue } from '../policies/keep/rules.js';

export const fixture = (): number => helper() + keepValue();
