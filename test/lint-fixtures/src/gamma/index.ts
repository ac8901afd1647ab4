export { gammaValue } from './value.js';
