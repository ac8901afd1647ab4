import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { labelsApi } from './routes.js';
import type { Executor } from '../platform/db/index.js';
import { labelsOfArtifacts as labelsOf } from './repo.js';
import type { LabelJson } from './schema.js';

export type { LabelJson } from './schema.js';
export { labelsApi } from './routes.js';
export { LabelShape } from './shapes.js';

/** The labels attached to each artifact (artifacts without labels are absent from the map), for `with_label`. */
export function labelsOfArtifacts(db: Executor, artifactIds: number[]): Promise<Map<number, LabelJson[]>> {
  return labelsOf(db, artifactIds);
}

/** Labels and their attachment to artifacts. */
export const labelsModule: FeatureModule<ApiDeps> = { name: 'labels', api: labelsApi };
