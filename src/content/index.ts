// Row-level helpers other features may use; writes that bypass the content rules (deleteArtifactRows, saveManifest, linkBlob, uploads) stay inside.
export { findRepository, ensureRepository, findArtifactByDigest, findArtifactByTag, tagsOfArtifact, deleteTag, parentIndexes, accessoriesOf } from './repo.js';
export * from './uploads.js';
export * from './manifests.js';
export * from './copy.js';
export * from './pull-recorder.js';
export * from './purge-uploads.js';
export * from './listing.js';
export * from './stored.js';
export * from './facts.js';
export * from './manifest-body.js';
export * from './usage.js';
export * from './deps.js';
export * from './gates.js';
export * from './service.js';
export * from './delete.js';
export { GateRunner } from './gate-runner.js';
export * from './module.js';
export { readTarEntries, TarTooLargeError, type TarEntry, type TarLimits } from './tar.js';
