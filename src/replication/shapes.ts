import { z } from 'zod';

/** Harbor's RegistryCredential as the API shows it: `access_secret` is `*****` when one is stored, never the secret. */
export const RegistryCredentialShape = z.strictObject({
  type: z.string(),
  access_key: z.string(),
  access_secret: z.string(),
});

/** Harbor's Registry. */
export const RegistryShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  url: z.string(),
  type: z.string(),
  insecure: z.boolean(),
  ca_certificate: z.string(),
  credential: RegistryCredentialShape,
  status: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
});

export type RegistryJson = z.infer<typeof RegistryShape>;

export const FilterStyleShape = z.strictObject({
  type: z.string(),
  style: z.string(),
  values: z.array(z.string()).optional(),
});

/** Harbor's RegistryInfo. */
export const RegistryInfoShape = z.strictObject({
  type: z.string(),
  description: z.string(),
  supported_resource_filters: z.array(FilterStyleShape),
  supported_triggers: z.array(z.string()),
  supported_copy_by_chunk: z.boolean().optional(),
});

export const RegistryEndpointShape = z.strictObject({ key: z.string(), value: z.string() });

/** Harbor's RegistryProviderInfo. */
export const RegistryProviderInfoShape = z.strictObject({
  endpoint_pattern: z.strictObject({ endpoint_type: z.string(), endpoints: z.array(RegistryEndpointShape) }).optional(),
  credential_pattern: z
    .strictObject({ access_key_type: z.string(), access_key_data: z.string(), access_secret_type: z.string(), access_secret_data: z.string() })
    .optional(),
});

/**
 * A policy's side as Harbor's ReplicationPolicy shows it: a whole Registry for a remote one, a
 * short "Local" object (id 0) for this registry, or only the id of an endpoint deleted since.
 */
export const PolicyRegistryShape = RegistryShape.partial().required({ id: true });

export const ReplicationFilterShape = z.strictObject({
  type: z.enum(['name', 'tag', 'label', 'resource']),
  value: z.union([z.string(), z.array(z.string())]),
  decoration: z.enum(['matches', 'excludes']).optional(),
});

export const ReplicationTriggerShape = z.strictObject({
  type: z.enum(['manual', 'scheduled', 'event_based']),
  trigger_settings: z.strictObject({ cron: z.string() }),
});

/** Harbor's ReplicationPolicy. */
export const ReplicationPolicyShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  src_registry: PolicyRegistryShape,
  dest_registry: PolicyRegistryShape,
  dest_namespace: z.string(),
  dest_namespace_replace_count: z.int(),
  trigger: ReplicationTriggerShape,
  filters: z.array(ReplicationFilterShape),
  replicate_deletion: z.boolean(),
  deletion: z.boolean(),
  override: z.boolean(),
  enabled: z.boolean(),
  speed: z.int(),
  copy_by_chunk: z.boolean(),
  single_active_replication: z.boolean(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's ReplicationExecution: a run and how its copy tasks stand. */
export const ReplicationExecutionShape = z.strictObject({
  id: z.int(),
  policy_id: z.int(),
  status: z.enum(['InProgress', 'Succeed', 'Failed', 'Stopped']),
  trigger: z.string(),
  start_time: z.string().nullable(),
  end_time: z.string().nullable(),
  status_text: z.string(),
  total: z.int(),
  failed: z.int(),
  succeed: z.int(),
  in_progress: z.int(),
  stopped: z.int(),
});

/** Harbor's ReplicationTask: one artifact's copy (or deletion). */
export const ReplicationTaskShape = z.strictObject({
  id: z.int(),
  execution_id: z.int(),
  resource_type: z.string(),
  src_resource: z.string(),
  dst_resource: z.string(),
  operation: z.string(),
  job_id: z.string(),
  status: z.enum(['InProgress', 'Succeed', 'Failed', 'Stopped']),
  status_message: z.string(),
  bytes_sent: z.int(),
  start_time: z.string().nullable(),
  end_time: z.string().nullable(),
});

/** One artifact a policy would replicate, and where it would land. */
export const ReplicationPreviewItemShape = z.strictObject({
  repository: z.string(),
  digest: z.string(),
  tags: z.array(z.string()),
  dest_repository: z.string(),
});

/** Berth's dry run of a policy: what it selects now, at most `limit` of `total` listed. */
export const ReplicationPreviewShape = z
  .strictObject({
    total: z.int(),
    truncated: z.boolean(),
    limit: z.int(),
    items: z.array(ReplicationPreviewItemShape),
  })
  .describe(
    'What a replication policy would copy if it ran now: the artifacts it selects, with their tags and destination repositories (the first `limit`; `truncated` when there are more).',
  );
