import type { Executor } from '../../platform/db/index.js';
import { PreconditionFailedError } from '../../platform/errors/index.js';
import { enqueue, type Trigger } from '../../platform/jobs/index.js';
import { activeRun, REPLICATION_VENDOR } from '../policies/service.js';
import type { ReplicationPolicy } from '../policies/schema.js';

/** The outbox event a run writes when it ends. */
export const REPLICATION_EVENT = 'REPLICATION';
export const PLAN_TASK = 'replication.plan';
export const COPY_TASK = 'replication.copy';
export const DELETE_TASK = 'replication.delete';

/** What a run covers: everything the policy selects, or (event-based) one artifact that changed. */
export interface RunScope {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
}

/** A copy task's parameters: one artifact, from where to where. */
export interface CopyParams {
  readonly policyId: number;
  readonly sourceRepository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly destinationRepository: string;
}

/** Tries per copy task: a transfer that breaks resumes within an attempt; attempts cover a remote that is down a while. */
export const COPY_ATTEMPTS = 3;

/**
 * Starts a run of the policy: an execution with one planning task, which lists what the policy
 * selects and adds a copy task per artifact. With `single_active_replication`, a run while
 * another is unfinished is refused.
 */
export async function startReplication(trx: Executor, policy: ReplicationPolicy, trigger: Trigger, now: number, scope?: RunScope): Promise<number> {
  if (policy.singleActive) {
    const active = await activeRun(trx, policy.id);
    if (active) throw new PreconditionFailedError('policy', `replication policy ${policy.name} is already running (execution ${active.id})`);
  }
  return enqueue(
    trx,
    {
      vendorType: REPLICATION_VENDOR,
      vendorId: policy.id,
      trigger,
      extraAttrs: { policy_id: policy.id, ...(scope ? { scope } : {}) },
      tasks: [{ kind: PLAN_TASK, params: { policyId: policy.id, ...(scope ? { scope } : {}) }, maxAttempts: COPY_ATTEMPTS }],
      // The run's end is announced to webhooks (Harbor's REPLICATION event).
      endEvent: REPLICATION_EVENT,
    },
    now,
  );
}
