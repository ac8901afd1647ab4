import { recordAudit, type AuditOperation } from '../../audit/index.js';
import type { Database, Executor, Project, RetentionPolicyRow } from '../../platform/db/index.js';
import { InvalidInputError } from '../../platform/errors/index.js';
import { CronError, enqueue, removeSchedule, setSchedule, validateCron, type Trigger } from '../../platform/jobs/index.js';
import { deleteMetadata, upsertMetadata } from '../../projects/index.js';
import { deletePolicyRow, findPolicyOfProject, insertPolicy, repositoriesOf, updatePolicyRow } from './repo.js';
import { ruleAppliesTo } from './rules.js';
import type { RetentionPolicyBody, RetentionRule, RetentionTrigger } from './schema.js';
import type { RetentionPolicyJson } from './shapes.js';

export const VENDOR_TYPE = 'RETENTION';
export const TASK_KIND = 'retention';
/** Where Harbor's clients look for a project's policy. */
export const METADATA_KEY = 'retention_id';

export interface Actor {
  name: string;
  ip: string | null;
}

export interface RetentionTaskParams {
  policyId: number;
  projectId: number;
  repositoryId: number;
  repository: string;
  dryRun: boolean;
  operator: string;
  /** The rules as they were when the run started, so every task of a run applies the same ones. */
  rules: RetentionRule[];
}

export function rulesOf(row: RetentionPolicyRow): RetentionRule[] {
  return JSON.parse(row.rules) as RetentionRule[];
}

export function triggerOf(row: RetentionPolicyRow): RetentionTrigger {
  return JSON.parse(row.trigger) as RetentionTrigger;
}

/** Harbor's RetentionPolicy JSON. */
export function policyJson(row: RetentionPolicyRow): RetentionPolicyJson {
  return {
    id: row.id,
    algorithm: row.algorithm,
    rules: rulesOf(row).map((rule, i) => ({
      ...rule,
      id: i + 1,
      priority: rule.priority ?? 0,
      disabled: rule.disabled ?? false,
      action: 'retain' as const,
      params: rule.params ?? {},
    })),
    trigger: triggerOf(row),
    scope: { level: 'project', ref: Number(row.project_id) },
  };
}

function normalizedTrigger(trigger: RetentionTrigger | undefined): RetentionTrigger {
  return { kind: 'Schedule', settings: { cron: trigger?.settings?.cron?.trim() ?? '' }, references: trigger?.references ?? {} };
}

/** The policy's schedule follows its trigger: a cron schedules runs, an empty one removes them. */
async function applySchedule(trx: Executor, policyId: number, trigger: RetentionTrigger, now: number): Promise<void> {
  const cron = trigger.settings?.cron ?? '';
  if (cron === '') {
    await removeSchedule(trx, VENDOR_TYPE, policyId);
    return;
  }
  await setSchedule(trx, { vendorType: VENDOR_TYPE, vendorId: policyId, cron }, now);
}

/** A bad cron is the caller's mistake, answered before anything is written. */
function checkCron(trigger: RetentionTrigger, now: number): void {
  const cron = trigger.settings?.cron ?? '';
  if (cron === '') return;
  try {
    validateCron(cron, now);
  } catch (err) {
    if (err instanceof CronError) throw new InvalidInputError('input', err.message);
    throw err;
  }
}

function audit(trx: Executor, operation: AuditOperation, project: Project, policyId: number, actor: Actor, at: number): Promise<void> {
  return recordAudit(trx, {
    projectId: project.id,
    operation,
    resourceType: 'retention',
    resource: `${project.name}:${policyId}`,
    username: actor.name,
    clientIp: actor.ip,
    at,
  });
}

/** Creates the project's policy, its metadata, schedule and audit entry in one transaction. */
export function createPolicy(database: Database, project: Project, body: RetentionPolicyBody, actor: Actor, now: number): Promise<number> {
  return database.db.transaction().execute(async (trx) => {
    const trigger = normalizedTrigger(body.trigger);
    checkCron(trigger, now);
    if (await findPolicyOfProject(trx, project.id)) {
      throw new InvalidInputError('input', `project ${project.name} already has a retention policy; update it instead`);
    }
    const id = await insertPolicy(trx, project.id, JSON.stringify(body.rules), JSON.stringify(trigger), now);
    await upsertMetadata(trx, project.id, new Map([[METADATA_KEY, String(id)]]));
    await applySchedule(trx, id, trigger, now);
    await audit(trx, 'create', project, id, actor, now);
    return id;
  });
}

/** Replaces the policy's rules and trigger, its schedule and audit entry in one transaction. */
export function updatePolicy(database: Database, project: Project, policy: RetentionPolicyRow, body: RetentionPolicyBody, actor: Actor, now: number): Promise<void> {
  return database.db.transaction().execute(async (trx) => {
    if (body.scope.ref !== Number(policy.project_id)) throw new InvalidInputError('input', 'a retention policy cannot move to another project');
    const trigger = normalizedTrigger(body.trigger);
    checkCron(trigger, now);
    await updatePolicyRow(trx, policy.id, JSON.stringify(body.rules), JSON.stringify(trigger), now);
    await applySchedule(trx, policy.id, trigger, now);
    await audit(trx, 'update', project, policy.id, actor, now);
  });
}

/** Removes the policy, its metadata, schedule, and records it, in one transaction. */
export function deletePolicy(database: Database, project: Project, policy: RetentionPolicyRow, actor: Actor, now: number): Promise<void> {
  return database.db.transaction().execute(async (trx) => {
    await deletePolicyRow(trx, policy.id);
    await deleteMetadata(trx, project.id, METADATA_KEY);
    await removeSchedule(trx, VENDOR_TYPE, policy.id);
    await audit(trx, 'delete', project, policy.id, actor, now);
  });
}

/** A run asked for by a user, in its own transaction. */
export function startManualRun(database: Database, policy: RetentionPolicyRow, dryRun: boolean, operator: string, now: number): Promise<number> {
  return database.db.transaction().execute((trx) => startRun(trx, policy, { dryRun, trigger: 'MANUAL', operator }, now));
}

/**
 * Starts a run: one task per repository some enabled rule applies to, carrying the rules of
 * this moment. A policy that applies nowhere makes an execution that is done at once.
 */
export async function startRun(
  trx: Executor,
  policy: RetentionPolicyRow,
  options: { dryRun: boolean; trigger: Trigger; operator: string },
  now: number,
): Promise<number> {
  const rules = rulesOf(policy);
  const projectId = Number(policy.project_id);
  const repositories = (await repositoriesOf(trx, projectId)).filter((repo) => rules.some((rule) => ruleAppliesTo(rule, repo.inside)));
  return enqueue(
    trx,
    {
      vendorType: VENDOR_TYPE,
      vendorId: policy.id,
      trigger: options.trigger,
      extraAttrs: { dry_run: options.dryRun, operator: options.operator },
      tasks: repositories.map((repo) => ({
        kind: TASK_KIND,
        maxAttempts: 3,
        params: {
          policyId: policy.id,
          projectId,
          repositoryId: repo.id,
          repository: repo.name,
          dryRun: options.dryRun,
          operator: options.operator,
          rules,
        } satisfies RetentionTaskParams,
      })),
    },
    now,
  );
}
