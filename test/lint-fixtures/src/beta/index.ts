export { betaValue } from './value.js';
