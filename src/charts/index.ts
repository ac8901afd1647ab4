import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { chartRoutes } from './routes.js';

export { ChartRepository, type ChartInfo } from './service.js';
export { readChartArchive, chartTag, HELM_CHART_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE, HELM_PROV_MEDIA_TYPE } from './archive.js';

/** The classic Helm chart repository (index.yaml, chart downloads, ChartMuseum's API) over the OCI artifact store. */
export const chartsModule: FeatureModule<ApiDeps> = { name: 'charts', routes: chartRoutes };
