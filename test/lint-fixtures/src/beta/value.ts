// Closes the cycle alpha -> beta -> alpha.
import { alphaValue } from '../alpha/index.js';

export const betaValue = (): number => (alphaValue.length > 0 ? 1 : 0);
