import type { ApiFeature } from '../api/index.js';

export const artifactsApi: ApiFeature = () => {};
