import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { searchApi } from './routes.js';

export { searchApi } from './routes.js';
export { SearchRepositoryShape, SearchShape } from './shapes.js';

/** Search over projects and repositories. */
export const searchModule: FeatureModule<ApiDeps> = { name: 'search', api: searchApi };
