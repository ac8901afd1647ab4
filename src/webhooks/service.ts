import type { ApiDeps } from '../api/index.js';
import { recordAudit, type AuditOperation } from '../audit/index.js';
import type { Executor, Project } from '../platform/db/index.js';
import { ConflictError } from '../platform/errors/index.js';
import { refusePrivateTargets } from './targets.js';
import { deletePolicy, insertPolicy, policyNamed, updatePolicy } from './repo.js';
import type { WebhookPolicy, WebhookPolicyBody } from './schema.js';

/** Who changes a policy, for the audit log and the policy's creator. */
export interface Actor {
  name: string;
  ip: string | null;
}

function audit(trx: Executor, operation: AuditOperation, project: Project, name: string, actor: Actor, at: number): Promise<void> {
  return recordAudit(trx, {
    projectId: project.id,
    operation,
    resourceType: 'webhook-policy',
    resource: `${project.name}:${name}`,
    username: actor.name,
    clientIp: actor.ip,
    at,
  });
}

function nameTaken(name: string): ConflictError {
  return new ConflictError('input', `a webhook policy named ${name} already exists`);
}

/** Webhook policy changes: names unique per project; each change and its audit entry are one transaction. */
export class WebhookPolicyService {
  constructor(private readonly deps: Pick<ApiDeps, 'database' | 'clock' | 'config'>) {}

  create(project: Project, body: WebhookPolicyBody, actor: Actor): Promise<number> {
    refusePrivateTargets(body.targets, this.deps.config);
    const now = this.deps.clock.now();
    return this.deps.database.db.transaction().execute(async (trx) => {
      if ((await policyNamed(trx, project.id, body.name)) !== undefined) throw nameTaken(body.name);
      const created = await insertPolicy(trx, project.id, body, actor.name, now);
      await audit(trx, 'create', project, body.name, actor, now);
      return created;
    });
  }

  update(project: Project, policy: WebhookPolicy, body: WebhookPolicyBody, actor: Actor): Promise<void> {
    refusePrivateTargets(body.targets, this.deps.config);
    const now = this.deps.clock.now();
    return this.deps.database.db.transaction().execute(async (trx) => {
      const sameName = await policyNamed(trx, project.id, body.name);
      if (sameName !== undefined && sameName !== policy.id) throw nameTaken(body.name);
      await updatePolicy(trx, policy.id, body, now);
      await audit(trx, 'update', project, body.name, actor, now);
    });
  }

  delete(project: Project, policy: WebhookPolicy, actor: Actor): Promise<void> {
    const now = this.deps.clock.now();
    return this.deps.database.db.transaction().execute(async (trx) => {
      await deletePolicy(trx, policy.id);
      await audit(trx, 'delete', project, policy.name, actor, now);
    });
  }
}
