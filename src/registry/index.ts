export { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';
export { ArtifactExistsError, copyArtifact, type CopyResult } from './copy.js';
export { accessoriesOf, ensureRepository, findArtifactByDigest, findArtifactByTag, deleteArtifact, deleteArtifacts, deleteTag, findRepository, parentIndexes, tagsOfArtifact } from './repo.js';
