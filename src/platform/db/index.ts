export * from './database.js';
export type * from './tables.js';
