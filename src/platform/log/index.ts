export * from './logger.js';
export * from './pretty.js';
