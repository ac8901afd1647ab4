export { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';
export { ArtifactExistsError, copyArtifact, type CopyResult } from './copy.js';
export { accessoriesOf, ensureRepository, findArtifactByDigest, findArtifactByTag, deleteArtifact, parentIndexes, releaseArtifacts, tagsOfArtifact } from './repo.js';
