export { installRouteCatalog } from './catalog.js';
