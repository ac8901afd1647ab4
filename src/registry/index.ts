export { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';
export { findArtifactByDigest, findArtifactByTag, deleteArtifact, parentIndexes, tagsOfArtifact } from './repo.js';
