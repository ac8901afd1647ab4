export * from './body.js';
export * from './client-limits.js';
export * from './cookies.js';
export * from './paging.js';
export * from './params.js';
export * from './q.js';
export * from './request-context.js';
export * from './query.js';
