import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { apiVersionRoute, openapiApi } from './routes.js';

export { installRouteCatalog } from './catalog.js';

/** Berth's OpenAPI document and docs page, and Harbor's ping, systeminfo, volumes, statistics and API version. */
export const openapiModule: FeatureModule<ApiDeps> = { name: 'openapi', api: openapiApi, routes: apiVersionRoute };
