/** Replication (Harbor's /replication/policies and /replication/executions): what the Replications page reads and sends. */
import type { Definition } from './models';

export type ReplicationPolicy = Definition<'ReplicationPolicy'>;
export type ReplicationFilter = ReplicationPolicy['filters'][number];
export type ReplicationExecution = Definition<'ReplicationExecution'>;
export type ReplicationTask = Definition<'ReplicationTask'>;
export type ReplicationPreview = Definition<'ReplicationPreview'>;

/** Harbor's ReplicationPolicy as POST and PUT take it (and the preview, whose name may be empty). */
export interface ReplicationPolicyBody {
  name: string;
  description: string;
  src_registry: { id: number } | null;
  dest_registry: { id: number } | null;
  dest_namespace: string;
  dest_namespace_replace_count: number;
  trigger: { type: ReplicationPolicy['trigger']['type']; trigger_settings: { cron: string } };
  filters: ReplicationFilter[];
  replicate_deletion: boolean;
  override: boolean;
  enabled: boolean;
  speed: number;
}
