export { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';
