import type { ReplicationFilter, ReplicationPolicy, ReplicationPolicyBody } from '../../../api/replication-models';
import { cronOfSchedule, scheduleOfCron, type ScheduleType } from '../../SchedulePicker';

export type Mode = 'push' | 'pull';
export type TriggerType = ReplicationPolicy['trigger']['type'];
export type Decoration = 'matches' | 'excludes';

/** Harbor's flattening choices for `dest_namespace_replace_count`. */
export const FLATTENING = [-1, 0, 1, 2, 3] as const;

/** What the rule dialog edits; the policy body is made from it. */
export interface RuleValues {
  name: string;
  description?: string;
  mode: Mode;
  /** The remote side: the source of a pull rule, the destination of a push rule. */
  registry?: number;
  nameFilter?: string;
  tagFilter?: string;
  tagDecoration: Decoration;
  labels?: string[];
  resource: 'all' | 'image' | 'artifact';
  destNamespace?: string;
  flattening: number;
  trigger: TriggerType;
  schedule: Exclude<ScheduleType, 'None'>;
  cron?: string;
  replicateDeletion: boolean;
  override: boolean;
  speed?: number | null;
  enabled: boolean;
}

export const NEW_RULE: RuleValues = {
  name: '',
  description: '',
  mode: 'push',
  tagDecoration: 'matches',
  labels: [],
  resource: 'all',
  destNamespace: '',
  flattening: 1,
  trigger: 'manual',
  schedule: 'Daily',
  cron: '',
  replicateDeletion: false,
  override: true,
  speed: null,
  enabled: true,
};

export const modeOf = (policy: ReplicationPolicy): Mode => (policy.src_registry.id > 0 ? 'pull' : 'push');

/** A saved policy as the dialog's values. */
export function valuesOf(policy: ReplicationPolicy): RuleValues {
  const mode = modeOf(policy);
  const filter = (type: ReplicationFilter['type']) => policy.filters.find((f) => f.type === type);
  const tag = filter('tag');
  const resource = filter('resource')?.value;
  const labels = filter('label')?.value;
  const schedule = scheduleOfCron(policy.trigger.trigger_settings.cron);
  return {
    name: policy.name,
    description: policy.description,
    mode,
    registry: mode === 'pull' ? policy.src_registry.id : policy.dest_registry.id,
    nameFilter: String(filter('name')?.value ?? ''),
    tagFilter: String(tag?.value ?? ''),
    tagDecoration: tag?.decoration ?? 'matches',
    labels: Array.isArray(labels) ? labels : [],
    resource: resource === 'image' || resource === 'artifact' ? resource : 'all',
    destNamespace: policy.dest_namespace,
    flattening: policy.dest_namespace_replace_count,
    trigger: policy.trigger.type,
    schedule: schedule.type === 'None' ? 'Daily' : schedule.type,
    cron: schedule.cron,
    replicateDeletion: policy.replicate_deletion,
    override: policy.override,
    speed: policy.speed > 0 ? policy.speed : null,
    enabled: policy.enabled,
  };
}

/** The dialog's values as Harbor's ReplicationPolicy body. */
export function bodyOf(values: RuleValues): ReplicationPolicyBody {
  const filters: ReplicationFilter[] = [];
  if (values.nameFilter?.trim()) filters.push({ type: 'name', value: values.nameFilter.trim() });
  if (values.tagFilter?.trim()) filters.push({ type: 'tag', value: values.tagFilter.trim(), decoration: values.tagDecoration });
  if (values.labels && values.labels.length > 0) filters.push({ type: 'label', value: values.labels });
  if (values.resource !== 'all') filters.push({ type: 'resource', value: values.resource });
  const remote = values.registry === undefined ? null : { id: values.registry };
  const cron = values.trigger === 'scheduled' ? cronOfSchedule({ type: values.schedule, cron: values.cron ?? '' }) : '';
  return {
    name: values.name.trim(),
    description: values.description ?? '',
    src_registry: values.mode === 'pull' ? remote : null,
    dest_registry: values.mode === 'push' ? remote : null,
    dest_namespace: values.destNamespace?.trim() ?? '',
    dest_namespace_replace_count: values.flattening,
    trigger: { type: values.trigger, trigger_settings: { cron } },
    filters,
    replicate_deletion: values.trigger === 'event_based' && values.replicateDeletion,
    override: values.override,
    enabled: values.enabled,
    speed: values.speed && values.speed > 0 ? values.speed : -1,
  };
}
