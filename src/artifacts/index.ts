import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { artifactCopyApi } from './copy.js';
import { artifactsApi } from './routes.js';

export { artifactsApi } from './routes.js';
export { artifactCopyApi } from './copy.js';
export { AccessoryShape, AdditionLinkShape, ArtifactShape, BuildHistoryEntryShape, PlatformShape, ReferenceShape, RepositoryShape, TagShape } from './shapes.js';

/** The Harbor API over content: repositories, artifacts, tags, additions, copies. */
export const artifactsModule: FeatureModule<ApiDeps> = {
  name: 'artifacts',
  async api(scope, deps) {
    await artifactsApi(scope, deps);
    await artifactCopyApi(scope, deps);
  },
};
