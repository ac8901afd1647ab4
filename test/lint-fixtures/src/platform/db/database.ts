// platform/db may branch on the dialect, and use another platform module through its index.
import { libValue } from '../lib/index.js';

export const dbValue = (): number => libValue();
export const locks = (dialect: 'sqlite' | 'postgres'): boolean => dialect === 'postgres';
