import { z } from 'zod';
import type { ReplicationPolicyRow } from '../../platform/db/index.js';
import { filterSchema, type ReplicationFilter } from '../engine/filters.js';
import type { RegistryJson, ReplicationPolicyShape } from '../shapes.js';

export const TRIGGER_TYPES = ['manual', 'scheduled', 'event_based'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Harbor sends a whole Registry object; only its id matters, and id 0 (or none) is this registry. */
const registryRef = z
  .object({ id: z.number().int().min(0) })
  .passthrough()
  .nullable()
  .optional();

/** Harbor's ReplicationPolicy as a create or update body; unknown Harbor fields (creation_time…) are ignored. */
export const policyBodySchema = z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(1024).optional(),
  src_registry: registryRef,
  dest_registry: registryRef,
  dest_namespace: z
    .string()
    .trim()
    .max(255)
    .regex(/^([a-z0-9]+(?:[._-][a-z0-9]+)*)(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$|^$/, 'dest_namespace must be a repository path such as "mirror" or "team/mirror"')
    .optional(),
  dest_namespace_replace_count: z.number().int().min(-1).max(100).nullable().optional(),
  trigger: z
    .object({
      type: z.enum(TRIGGER_TYPES),
      trigger_settings: z
        .object({ cron: z.string().max(255).optional() })
        .passthrough()
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  filters: z.array(filterSchema).max(16).nullable().optional(),
  replicate_deletion: z.boolean().optional(),
  deletion: z.boolean().optional(),
  override: z.boolean().optional(),
  enabled: z.boolean().optional(),
  speed: z.number().int().min(-1).max(10_000_000).nullable().optional(),
  copy_by_chunk: z.boolean().nullable().optional(),
  single_active_replication: z.boolean().nullable().optional(),
});
export type PolicyBody = z.infer<typeof policyBodySchema>;

export const startExecutionSchema = z.object({ policy_id: z.number().int().positive() });

/** A policy as the engine reads it. */
export interface ReplicationPolicy {
  readonly id: number;
  readonly name: string;
  readonly srcRegistryId: number | null;
  readonly destRegistryId: number | null;
  readonly destNamespace: string;
  readonly destNamespaceReplaceCount: number;
  readonly triggerType: TriggerType;
  readonly cron: string;
  readonly filters: readonly ReplicationFilter[];
  readonly replicateDeletion: boolean;
  readonly override: boolean;
  readonly enabled: boolean;
  /** KiB/s per task; 0: unbounded. */
  readonly speed: number;
  readonly singleActive: boolean;
}

export function policyOf(row: ReplicationPolicyRow): ReplicationPolicy {
  let filters: ReplicationFilter[] = [];
  try {
    const parsed = z.array(filterSchema).safeParse(JSON.parse(row.filters));
    if (parsed.success) filters = parsed.data;
  } catch {
    filters = [];
  }
  return {
    id: Number(row.id),
    name: row.name,
    srcRegistryId: row.src_registry_id === null ? null : Number(row.src_registry_id),
    destRegistryId: row.dest_registry_id === null ? null : Number(row.dest_registry_id),
    destNamespace: row.dest_namespace,
    destNamespaceReplaceCount: row.dest_namespace_replace_count,
    triggerType: (TRIGGER_TYPES as readonly string[]).includes(row.trigger_type) ? (row.trigger_type as TriggerType) : 'manual',
    cron: row.trigger_cron,
    filters,
    replicateDeletion: row.replicate_deletion === 1,
    override: row.override === 1,
    enabled: row.enabled === 1,
    speed: Math.max(0, row.speed),
    singleActive: row.single_active_replication === 1,
  };
}

/** Harbor's ReplicationPolicy JSON; the registries are Harbor's Registry objects, this Berth as id 0. */
export function policyJson(row: ReplicationPolicyRow, registries: ReadonlyMap<number, RegistryJson>): z.infer<typeof ReplicationPolicyShape> {
  const policy = policyOf(row);
  const local = { id: 0, name: 'Local', type: 'harbor', url: '', insecure: false, status: 'healthy' };
  return {
    id: policy.id,
    name: row.name,
    description: row.description,
    src_registry: policy.srcRegistryId === null ? local : (registries.get(policy.srcRegistryId) ?? { id: policy.srcRegistryId }),
    dest_registry: policy.destRegistryId === null ? local : (registries.get(policy.destRegistryId) ?? { id: policy.destRegistryId }),
    dest_namespace: row.dest_namespace,
    dest_namespace_replace_count: row.dest_namespace_replace_count,
    trigger: { type: policy.triggerType, trigger_settings: { cron: row.trigger_cron } },
    filters: [...policy.filters],
    replicate_deletion: policy.replicateDeletion,
    deletion: policy.replicateDeletion,
    override: policy.override,
    enabled: policy.enabled,
    speed: row.speed,
    copy_by_chunk: row.copy_by_chunk === 1,
    single_active_replication: policy.singleActive,
    creation_time: new Date(Number(row.created_at)).toISOString(),
    update_time: new Date(Number(row.updated_at)).toISOString(),
  };
}
