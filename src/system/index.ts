export { VERSION, registerSystemRoutes } from './routes.js';
