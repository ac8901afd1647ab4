import { randomUUID } from 'node:crypto';
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
};

/** Harbor's `event_data`. `host` is the registry's address as clients pull from it. */
export function eventData(facts: EventFacts, host: string): Record<string, unknown> {
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
export function buildDelivery(facts: EventFacts, target: WebhookTarget, policyId: number, host: string): Delivery {
  const data = eventData(facts, host);
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
