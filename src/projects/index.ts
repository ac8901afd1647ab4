export { findProjectByName, listProjects, createProject } from './repo.js';
