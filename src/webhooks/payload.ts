import { randomUUID } from 'node:crypto';
import type { ProjectReport, RunReport } from '../replication/index.js';
import type { WebhookEventType, WebhookTarget } from './schema.js';

/** What an outbox event says, completed with what a receiver needs to know about its repository. */
export interface EventFacts {
  type: WebhookEventType;
  /** Epoch ms. */
  occurAt: number;
  operator: string;
  projectId: number;
  projectName: string;
  projectPublic: boolean;
  /** Full name, `project/repo`; null for events about a whole project. */
  repository: string | null;
  repositoryCreatedAt: number | null;
  digest: string | null;
  tag: string | null;
  /** Harbor's `custom_attributes.Details` of quota events. */
  details: string | null;
  /** The artifact's `scan_overview` in scanning events. */
  scanOverview?: Record<string, unknown> | undefined;
  /** A finished replication run and what it did to this event's project, in REPLICATION events. */
  replication?: { run: RunReport; project: ProjectReport } | undefined;
}

/** Where receivers reach this registry: `host` as in `resource_url`, `endpoint` its URL. */
export interface RegistryAddress {
  host: string;
  endpoint: string;
}

/** Harbor's CloudEvents type for each event type. */
const CLOUD_EVENT_TYPES: Record<WebhookEventType, string> = {
  PUSH_ARTIFACT: 'harbor.artifact.pushed',
  PULL_ARTIFACT: 'harbor.artifact.pulled',
  DELETE_ARTIFACT: 'harbor.artifact.deleted',
  QUOTA_EXCEED: 'harbor.quota.exceeded',
  QUOTA_WARNING: 'harbor.quota.warned',
  TAG_RETENTION: 'harbor.tag_retention.finished',
  SCANNING_COMPLETED: 'harbor.scan.completed',
  SCANNING_FAILED: 'harbor.scan.failed',
  SCANNING_STOPPED: 'harbor.scan.stopped',
  REPLICATION: 'harbor.replication.status.changed',
};

/**
 * Harbor's `event_data.replication`: the run, its two sides (this registry as Harbor's
 * `registry_type` "harbor"), and the project's artifacts by outcome. Harbor leaves empty
 * fields out (`omitempty`), and so does this.
 */
function replicationData(run: RunReport, project: ProjectReport, address: RegistryAddress): Record<string, unknown> {
  const remote = run.remote && {
    registry_name: run.remote.name,
    registry_type: run.remote.type,
    endpoint: run.remote.url,
    ...(run.direction === 'push' ? { namespace: project.destNamespace || undefined } : { namespace: project.srcNamespace || undefined }),
  };
  const local = { registry_type: 'harbor', endpoint: address.endpoint, namespace: run.direction === 'push' ? project.srcNamespace : project.destNamespace };
  const artifacts = (status: string) =>
    project.artifacts
      .filter((a) => a.status === status)
      .map((a) => ({ type: 'artifact', status: a.status, name_tag: a.nameTag, ...(a.failReason ? { fail_reason: a.failReason } : {}) }));
  const succeeded = artifacts('Succeed');
  const failed = artifacts('Failed');
  const data: Record<string, unknown> = {
    harbor_hostname: new URL(`http://${address.host}`).hostname,
    job_status: run.status,
    description: run.policy.description,
    artifact_type: 'artifact',
    authentication_type: run.remote?.credentialType,
    override_mode: run.policy.override,
    trigger_type: run.trigger,
    policy_creator: run.policy.creator,
    execution_timestamp: Math.floor(run.startTime / 1000),
    src_resource: run.direction === 'push' ? local : remote,
    dest_resource: run.direction === 'push' ? remote : local,
    successful_artifact: succeeded.length > 0 ? succeeded : undefined,
    failed_artifact: failed.length > 0 ? failed : undefined,
  };
  for (const [key, value] of Object.entries(data)) if (value === undefined || value === '' || value === false) delete data[key];
  return data;
}

/** Harbor's `event_data`. `host` is the registry's address as clients pull from it. */
export function eventData(facts: EventFacts, address: RegistryAddress): Record<string, unknown> {
  const { host } = address;
  if (facts.type === 'REPLICATION' && facts.replication) {
    return { replication: replicationData(facts.replication.run, facts.replication.project, address) };
  }
  if (facts.type === 'TAG_RETENTION') {
    return { retention: { harbor_hostname: host, project_name: facts.projectName } };
  }
  const data: Record<string, unknown> = {};
  if (facts.repository !== null) {
    const name = facts.repository.slice(facts.repository.indexOf('/') + 1);
    const resource: Record<string, unknown> = {};
    if (facts.digest !== null) resource.digest = facts.digest;
    if (facts.tag !== null) resource.tag = facts.tag;
    if (!facts.type.startsWith('QUOTA_')) {
      const reference = facts.tag !== null ? `:${facts.tag}` : facts.digest !== null ? `@${facts.digest}` : '';
      resource.resource_url = `${host}/${facts.repository}${reference}`;
    }
    if (facts.scanOverview) resource.scan_overview = facts.scanOverview;
    data.resources = [resource];
    data.repository = {
      ...(facts.repositoryCreatedAt !== null ? { date_created: Math.floor(facts.repositoryCreatedAt / 1000) } : {}),
      name,
      namespace: facts.projectName,
      repo_full_name: facts.repository,
      repo_type: facts.projectPublic ? 'public' : 'private',
    };
  }
  if (facts.details !== null) data.custom_attributes = { Details: facts.details };
  return data;
}

export interface Delivery {
  /** The exact bytes sent, fixed when the delivery is queued so every attempt sends the same. */
  body: string;
  contentType: string;
}

/** The request body a target receives for an event, in the target's format. */
export function buildDelivery(facts: EventFacts, target: WebhookTarget, policyId: number, address: RegistryAddress): Delivery {
  const data = eventData(facts, address);
  if (target.type === 'slack') {
    const text = [
      '*Harbor webhook events*',
      `*event_type:* ${facts.type}`,
      `*occur_at:* ${new Date(facts.occurAt).toISOString()}`,
      `*operator:* ${facts.operator}`,
      '*event_data:*',
      '```',
      JSON.stringify(data, null, 2),
      '```',
    ].join('\n');
    return { body: JSON.stringify({ text }), contentType: 'application/json' };
  }
  if (target.payload_format === 'CloudEvents') {
    return {
      body: JSON.stringify({
        specversion: '1.0',
        id: randomUUID(),
        requestid: randomUUID(),
        source: `/projects/${facts.projectId}/webhook/policies/${policyId}`,
        type: CLOUD_EVENT_TYPES[facts.type],
        datacontenttype: 'application/json',
        time: new Date(Math.floor(facts.occurAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        data,
        operator: facts.operator,
      }),
      contentType: 'application/json',
    };
  }
  return {
    body: JSON.stringify({ type: facts.type, occur_at: Math.floor(facts.occurAt / 1000), operator: facts.operator, event_data: data }),
    contentType: 'application/json',
  };
}
