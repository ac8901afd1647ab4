import { hostname } from 'node:os';
import { z } from 'zod';
import type { Settings } from '../platform/settings/index.js';
import type { Config } from '../platform/config/index.js';
import type { Executor } from '../platform/db/index.js';
import type { EventConsumer, OutboxEvent } from '../platform/events/index.js';
import { enqueue, FinalTaskError, type JobService, type TaskHandler } from '../platform/jobs/index.js';
import { findProjectQuota } from '../projects/index.js';
import { scanOverviews } from '../scan/index.js';
import { formatBytes } from '../platform/errors/index.js';
import { PrivateTargetError } from '../platform/http/index.js';
import { post } from './deliver.js';
import { buildDelivery, type EventFacts } from './payload.js';
import { enabledPoliciesOf } from './repo.js';
import { isWebhookEventType, NOTIFY_TYPES, PAYLOAD_FORMATS, type WebhookEventType } from './schema.js';

export const WEBHOOK_VENDOR = 'WEBHOOK';
export const WEBHOOK_TASK = 'webhook';
/** A receiver that is down gets 5 tries over about 15 s of backoff (1, 2, 4, 8 s). */
const MAX_ATTEMPTS = 5;

/** Where clients reach the registry, as Harbor puts it in `resource_url`. */
export function registryHost(config: Config): string {
  return config.server.externalUrl ? new URL(config.server.externalUrl).host : `${hostname()}:${config.server.port}`;
}

/**
 * The outbox consumer: each event a policy of its project listens to becomes one delivery
 * execution per target, with its payload fully built, in the transaction that marks the
 * event dispatched. A restart or a crash therefore loses no delivery.
 */
export function webhookConsumer(config: Config, jobs: JobService, settings: Settings): EventConsumer {
  const host = registryHost(config);
  return async (trx, events, now) => {
    // Harbor's notification_enable: off, events go by without deliveries (none are queued for later).
    if (!(await settings.pick(['notification_enable'], trx)).notification_enable) return;
    const relevant = events.filter((e): e is OutboxEvent & { type: WebhookEventType; project_id: number } => isWebhookEventType(e.type) && e.project_id !== null);
    if (relevant.length === 0) return;
    const policies = await enabledPoliciesOf(trx, [...new Set(relevant.map((e) => e.project_id))]);
    if (policies.length === 0) return;
    const listening = relevant.filter((e) => policies.some((p) => p.projectId === e.project_id && p.eventTypes.includes(e.type)));
    if (listening.length === 0) return;
    const facts = await describeEvents(trx, listening);
    let queued = 0;
    for (const event of listening) {
      const fact = facts.get(event.id);
      if (!fact) continue;
      for (const policy of policies) {
        if (policy.projectId !== event.project_id || !policy.eventTypes.includes(event.type)) continue;
        for (const target of policy.targets) {
          const delivery = buildDelivery(fact, target, policy.id, host);
          await enqueue(
            trx,
            {
              vendorType: WEBHOOK_VENDOR,
              vendorId: policy.id,
              trigger: 'EVENT',
              extraAttrs: { event_type: event.type, payload: delivery.body },
              tasks: [
                {
                  kind: WEBHOOK_TASK,
                  maxAttempts: MAX_ATTEMPTS,
                  params: { event_type: event.type, target, body: delivery.body, content_type: delivery.contentType },
                },
              ],
            },
            now,
          );
          queued++;
        }
      }
    }
    // After the dispatcher's commit, so a worker finds the tasks at once.
    if (queued > 0) setImmediate(() => jobs.wake());
  };
}

/** The project, repository and quota facts of each event, read in a few queries for the batch. */
async function describeEvents(trx: Executor, events: ReadonlyArray<OutboxEvent & { type: WebhookEventType; project_id: number }>): Promise<Map<number, EventFacts>> {
  const projectIds = [...new Set(events.map((e) => e.project_id))];
  const projects = new Map((await trx.selectFrom('projects').select(['id', 'name', 'public']).where('id', 'in', projectIds).execute()).map((p) => [p.id, p]));
  const names = [...new Set(events.flatMap((e) => (e.repository === null ? [] : [e.repository])))];
  const repositories = new Map(
    names.length === 0
      ? []
      : (await trx.selectFrom('repositories').select(['name', 'created_at']).where('name', 'in', names).execute()).map((r) => [r.name, r.created_at]),
  );
  const quotaProjects = [...new Set(events.filter((e) => e.type.startsWith('QUOTA_')).map((e) => e.project_id))];
  const quotas = new Map(quotaProjects.length === 0 ? [] : await Promise.all(quotaProjects.map(async (id) => [id, await findProjectQuota(trx, id)] as const)));
  const out = new Map<number, EventFacts>();
  for (const event of events) {
    const project = projects.get(event.project_id);
    if (!project) continue;
    const quota = quotas.get(event.project_id) ?? undefined;
    let details: string | null = null;
    if (quota && event.type === 'QUOTA_WARNING')
      details = `quota usage reach 85%: resource storage used ${formatBytes(quota.used_storage)} of ${formatBytes(quota.hard_storage)}`;
    if (quota && event.type === 'QUOTA_EXCEED')
      details = `storage quota exceeded: the project uses ${formatBytes(quota.used_storage)} of ${formatBytes(quota.hard_storage)}`;
    const scanOverview = event.type.startsWith('SCANNING_') ? await scanOverviewOf(trx, event.project_id, event.repository, event.digest) : undefined;
    out.set(event.id, {
      scanOverview,
      type: event.type,
      occurAt: event.created_at,
      operator: event.operator ?? '',
      projectId: project.id,
      projectName: project.name,
      projectPublic: project.public === 1,
      repository: event.repository,
      repositoryCreatedAt: event.repository === null ? null : (repositories.get(event.repository) ?? null),
      digest: event.digest,
      tag: event.tag,
      details,
    });
  }
  return out;
}

/** The scanned artifact's `scan_overview`, as Harbor puts it in scanning events. */
async function scanOverviewOf(trx: Executor, projectId: number, repository: string | null, digest: string | null): Promise<Record<string, unknown> | undefined> {
  if (repository === null || digest === null) return undefined;
  const artifact = await trx
    .selectFrom('artifacts')
    .innerJoin('repositories', 'repositories.id', 'artifacts.repository_id')
    .select(['artifacts.id', 'artifacts.digest', 'artifacts.media_type'])
    .where('repositories.name', '=', repository)
    .where('artifacts.digest', '=', digest)
    .executeTakeFirst();
  if (!artifact) return undefined;
  return (await scanOverviews(trx, projectId, [artifact])).get(digest);
}

const deliveryParams = z.object({
  event_type: z.string(),
  target: z.object({
    type: z.enum(NOTIFY_TYPES),
    address: z.string(),
    auth_header: z.string(),
    skip_cert_verify: z.boolean(),
    payload_format: z.enum(PAYLOAD_FORMATS),
  }),
  body: z.string(),
  content_type: z.string(),
});

/**
 * Runs one delivery: any answer but 2xx fails the attempt, which the job service retries with
 * backoff; a target on a private network fails it for good. The log keeps the answer's status
 * only, never its body.
 */
export function webhookTasks(config: Config): Record<string, TaskHandler> {
  const { allowPrivateNetworks } = config.outbound;
  const deliver: TaskHandler = async ({ params, signal, log, task }) => {
    const { event_type, target, body, content_type } = deliveryParams.parse(params);
    await log(`attempt ${task.attempts}: POST ${target.address} (${event_type}, ${target.type === 'slack' ? 'slack' : target.payload_format})`);
    let status: number;
    try {
      status = await post(target, body, content_type, signal, allowPrivateNetworks);
    } catch (err) {
      // Policy forbids the target: retrying cannot change that, so the delivery fails at once.
      if (err instanceof PrivateTargetError) throw new FinalTaskError(`not delivered: ${err.message}`);
      throw new Error(`${target.address} could not be reached: ${(err as Error).message}`);
    }
    await log(`response status ${status}`);
    if (status < 200 || status >= 300) throw new Error(`${target.address} answered ${status}`);
    return { status_code: status };
  };
  return { [WEBHOOK_TASK]: deliver };
}
