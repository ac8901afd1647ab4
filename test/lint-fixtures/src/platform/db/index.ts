export { dbValue, locks } from './database.js';
