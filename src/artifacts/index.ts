export { artifactsApi } from './routes.js';
export { artifactCopyApi } from './copy.js';
