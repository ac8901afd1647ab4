import type { ApiFeature } from '../api/index.js';

export const labelsApi: ApiFeature = () => {};
