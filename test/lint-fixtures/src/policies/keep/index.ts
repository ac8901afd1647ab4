export { keepValue } from './rules.js';
