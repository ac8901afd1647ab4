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
import { reportRun, type ProjectReport, type RunReport } from '../replication/index.js';
import { buildDelivery, type EventFacts, type RegistryAddress } from './payload.js';
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

/** The registry's host and its URL (Harbor's external endpoint), for payloads. */
function registryAddress(config: Config): RegistryAddress {
  const host = registryHost(config);
  return { host, endpoint: config.server.externalUrl ? config.server.externalUrl.replace(/\/+$/, '') : `http://${host}` };
}

/** An event as one project's policies see it: most events are about one project, a replication run about each it touched. */
interface Occurrence {
  event: OutboxEvent & { type: WebhookEventType };
  projectId: number;
  replication?: { run: RunReport; project: ProjectReport };
}

/**
 * The outbox consumer: each event a policy of its project listens to becomes one delivery
 * execution per target, with its payload fully built, in the transaction that marks the
 * event dispatched. A restart or a crash therefore loses no delivery.
 */
export function webhookConsumer(config: Config, jobs: JobService, settings: Settings): EventConsumer {
  const address = registryAddress(config);
  return async (trx, events, now) => {
    // Harbor's notification_enable: off, events go by without deliveries (none are queued for later).
    if (!(await settings.pick(['notification_enable'], trx)).notification_enable) return;
    const occurrences = await occurrencesOf(trx, events);
    if (occurrences.length === 0) return;
    const policies = await enabledPoliciesOf(trx, [...new Set(occurrences.map((o) => o.projectId))]);
    if (policies.length === 0) return;
    const listening = occurrences.filter((o) => policies.some((p) => p.projectId === o.projectId && p.eventTypes.includes(o.event.type)));
    if (listening.length === 0) return;
    const facts = await describeEvents(trx, listening);
    let queued = 0;
    for (const [index, occurrence] of listening.entries()) {
      const fact = facts.get(index);
      if (!fact) continue;
      const { event } = occurrence;
      for (const policy of policies) {
        if (policy.projectId !== occurrence.projectId || !policy.eventTypes.includes(event.type)) continue;
        for (const target of policy.targets) {
          const delivery = buildDelivery(fact, target, policy.id, address);
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

/**
 * The events webhooks deliver, each with the project whose policies receive it. A replication
 * run goes, as in Harbor, to the project of each local repository it touched: the source
 * project of a push, the destination project of a pull; each project hears of its own artifacts.
 */
async function occurrencesOf(trx: Executor, events: readonly OutboxEvent[]): Promise<Occurrence[]> {
  const out: Occurrence[] = [];
  for (const event of events) {
    if (!isWebhookEventType(event.type)) continue;
    const typed = event as OutboxEvent & { type: WebhookEventType };
    if (event.type !== 'REPLICATION') {
      if (event.project_id !== null) out.push({ event: typed, projectId: event.project_id });
      continue;
    }
    if (event.execution_id === null) continue;
    const run = await reportRun(trx, event.execution_id);
    if (!run || run.projects.length === 0) continue;
    const names = run.projects.map((p) => p.project);
    const ids = new Map((await trx.selectFrom('projects').select(['id', 'name']).where('name', 'in', names).execute()).map((p) => [p.name, p.id]));
    for (const project of run.projects) {
      const projectId = ids.get(project.project);
      if (projectId !== undefined) out.push({ event: typed, projectId, replication: { run, project } });
    }
  }
  return out;
}

/** The project, repository and quota facts of each occurrence (by its index), read in a few queries for the batch. */
async function describeEvents(trx: Executor, occurrences: readonly Occurrence[]): Promise<Map<number, EventFacts>> {
  const projectIds = [...new Set(occurrences.map((o) => o.projectId))];
  const projects = new Map((await trx.selectFrom('projects').select(['id', 'name', 'public']).where('id', 'in', projectIds).execute()).map((p) => [p.id, p]));
  const names = [...new Set(occurrences.flatMap((o) => (o.event.repository === null ? [] : [o.event.repository])))];
  const repositories = new Map(
    names.length === 0
      ? []
      : (await trx.selectFrom('repositories').select(['name', 'created_at']).where('name', 'in', names).execute()).map((r) => [r.name, r.created_at]),
  );
  const quotaProjects = [...new Set(occurrences.filter((o) => o.event.type.startsWith('QUOTA_')).map((o) => o.projectId))];
  const quotas = new Map(quotaProjects.length === 0 ? [] : await Promise.all(quotaProjects.map(async (id) => [id, await findProjectQuota(trx, id)] as const)));
  const out = new Map<number, EventFacts>();
  for (const [index, { event, projectId, replication }] of occurrences.entries()) {
    const project = projects.get(projectId);
    if (!project) continue;
    const quota = quotas.get(projectId) ?? undefined;
    let details: string | null = null;
    if (quota && event.type === 'QUOTA_WARNING')
      details = `quota usage reach 85%: resource storage used ${formatBytes(quota.used_storage)} of ${formatBytes(quota.hard_storage)}`;
    if (quota && event.type === 'QUOTA_EXCEED')
      details = `storage quota exceeded: the project uses ${formatBytes(quota.used_storage)} of ${formatBytes(quota.hard_storage)}`;
    const scanOverview = event.type.startsWith('SCANNING_') ? await scanOverviewOf(trx, projectId, event.repository, event.digest) : undefined;
    out.set(index, {
      scanOverview,
      replication,
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
