/** The built-in scanner's parts, as the rest of Berth sees them. */
export * from './match/index.js';
export * from './vulndb/index.js';
