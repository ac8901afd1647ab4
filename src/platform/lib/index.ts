export * from './digest.js';
export * from './doublestar.js';
export * from './json-depth.js';
export * from './media-types.js';
export * from './names.js';
export * from './semaphore.js';
export * from './ttl-cache.js';
export { readHiddenLine, type HiddenLineOptions } from './hidden-line.js';
export { readUpTo } from './read-bounded.js';
