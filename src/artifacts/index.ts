export { artifactsApi } from './routes.js';
