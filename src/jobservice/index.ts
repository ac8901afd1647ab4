export { jobsApi } from './routes.js';
