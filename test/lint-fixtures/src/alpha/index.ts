export { alphaValue } from './value.js';
