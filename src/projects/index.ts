export { findProjectByName, findProjectById, listProjects, createProject } from './repo.js';
export { validateProjectName } from './service.js';
