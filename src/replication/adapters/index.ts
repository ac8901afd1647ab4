/**
 * The registry adapters Berth offers, by Harbor's type names. Each is a plain OCI distribution
 * endpoint with Basic or token authentication, so one client serves them all; what differs is
 * Harbor's description of them (fixed endpoints, filters, triggers), kept here.
 */
export const ADAPTER_TYPES = [
  'harbor',
  'docker-hub',
  'docker-registry',
  'quay',
  'github-ghcr',
  'gitlab',
  'jfrog-artifactory',
  'aws-ecr',
  'google-gcr',
  'azure-acr',
] as const;

export type AdapterType = (typeof ADAPTER_TYPES)[number];

export function isAdapterType(value: string): value is AdapterType {
  return (ADAPTER_TYPES as readonly string[]).includes(value);
}

interface FilterStyle {
  type: string;
  style: string;
  values?: string[];
}

export interface AdapterInfo {
  type: AdapterType;
  description: string;
  supported_resource_filters: FilterStyle[];
  supported_triggers: string[];
  supported_copy_by_chunk?: boolean;
}

export interface ProviderInfo {
  endpoint_pattern?: { endpoint_type: string; endpoints: Array<{ key: string; value: string }> };
  credential_pattern?: { access_key_type: string; access_key_data: string; access_secret_type: string; access_secret_data: string };
}

const NAME_AND_TAG: FilterStyle[] = [
  { type: 'name', style: 'input' },
  { type: 'tag', style: 'input' },
];

interface AdapterDefinition {
  description: string;
  filters: FilterStyle[];
  triggers: string[];
  copyByChunk?: boolean;
  /** Harbor's endpoint pattern: the addresses the portal offers (a fixed one for hosted registries). */
  endpoints?: Array<{ key: string; value: string }>;
  /** Where the distribution API is when it is not at the endpoint's own address (Docker Hub). */
  registryUrl?: (url: string) => string;
}

const DEFINITIONS: Readonly<Record<AdapterType, AdapterDefinition>> = {
  harbor: {
    description: 'The Harbor (or Berth) registry',
    filters: [...NAME_AND_TAG, { type: 'label', style: 'list' }, { type: 'resource', style: 'radio', values: ['image', 'artifact'] }],
    triggers: ['manual', 'scheduled', 'event_based'],
    copyByChunk: true,
  },
  'docker-hub': {
    description: 'The Docker Hub',
    filters: NAME_AND_TAG,
    triggers: ['manual', 'scheduled'],
    endpoints: [{ key: 'hub.docker.com', value: 'https://hub.docker.com' }],
    // hub.docker.com is the web site; the registry API is served from registry-1.docker.io.
    registryUrl: (url) => (/^https:\/\/hub\.docker\.com\/?$/.test(url) ? 'https://registry-1.docker.io' : url),
  },
  'docker-registry': {
    description: 'The CNCF distribution registry (docker registry v2)',
    filters: NAME_AND_TAG,
    triggers: ['manual', 'scheduled'],
    copyByChunk: true,
  },
  quay: { description: 'Quay', filters: NAME_AND_TAG, triggers: ['manual', 'scheduled'] },
  'github-ghcr': {
    description: 'GitHub Container Registry',
    filters: NAME_AND_TAG,
    triggers: ['manual', 'scheduled'],
    endpoints: [{ key: 'ghcr.io', value: 'https://ghcr.io' }],
  },
  gitlab: { description: 'The GitLab container registry', filters: NAME_AND_TAG, triggers: ['manual', 'scheduled'] },
  'jfrog-artifactory': { description: 'JFrog Artifactory', filters: NAME_AND_TAG, triggers: ['manual', 'scheduled'] },
  // The endpoint's access key and secret are an AWS key: they buy a 12-hour registry password (aws-ecr.ts).
  'aws-ecr': { description: 'AWS Elastic Container Registry', filters: NAME_AND_TAG, triggers: ['manual', 'scheduled'] },
  // Google's registries take the user `_json_key` with a service account's key file as the password.
  'google-gcr': {
    description: 'Google Container Registry and Artifact Registry',
    filters: NAME_AND_TAG,
    triggers: ['manual', 'scheduled'],
    endpoints: ['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io'].map((host) => ({ key: host, value: `https://${host}` })),
  },
  // A service principal (its application id and secret), or the registry's admin user.
  'azure-acr': { description: 'Azure Container Registry', filters: NAME_AND_TAG, triggers: ['manual', 'scheduled'] },
};

/** Harbor's RegistryInfo of an adapter. */
export function adapterInfo(type: AdapterType): AdapterInfo {
  const definition = DEFINITIONS[type];
  return {
    type,
    description: definition.description,
    supported_resource_filters: definition.filters.map((filter) => ({ ...filter })),
    supported_triggers: [...definition.triggers],
    ...(definition.copyByChunk ? { supported_copy_by_chunk: true } : {}),
  };
}

/** Harbor's RegistryProviderInfo of each adapter: the hosted ones name their fixed endpoint. */
export function providerInfos(): Record<string, ProviderInfo> {
  const infos: Record<string, ProviderInfo> = {};
  for (const type of ADAPTER_TYPES) {
    const endpoints = DEFINITIONS[type].endpoints;
    infos[type] = endpoints
      ? { endpoint_pattern: { endpoint_type: 'EndpointPatternTypeFix', endpoints: endpoints.map((e) => ({ ...e })) } }
      : { endpoint_pattern: { endpoint_type: 'EndpointPatternTypeStandard', endpoints: [] } };
  }
  return infos;
}

/** Where an endpoint's distribution API (`/v2/`) is. */
export function registryApiUrl(type: AdapterType, url: string): string {
  return DEFINITIONS[type].registryUrl?.(url) ?? url;
}
