import type { z } from 'zod';
import { recordAudit, type AuditOperation } from '../../audit/index.js';
import type { ApiDeps } from '../../api/index.js';
import type { Executor, ImmutableRuleRow, Project } from '../../platform/db/index.js';
import { InvalidInputError, NotFoundError } from '../../platform/errors/index.js';
import type { QueryCondition } from '../../platform/http/index.js';
import { countRules, deleteRule, findRuleRow, insertRule, pageOfRules, updateRule, type RuleFields } from './repo.js';
import type { immutableRuleBody } from './rules.js';

export type ImmutableRuleBody = z.infer<typeof immutableRuleBody>;

/** Who changes a rule, for the audit log. */
export interface Actor {
  name: string;
  ip: string | null;
}

/** A project holds at most this many rules. */
export const MAX_RULES = 15;

function fieldsOf(body: ImmutableRuleBody): RuleFields {
  return { priority: body.priority ?? 0, disabled: body.disabled ?? false, tagSelectors: body.tag_selectors, scopeSelectors: body.scope_selectors };
}

function audit(trx: Executor, operation: AuditOperation, project: Project, id: number, actor: Actor, at: number): Promise<void> {
  return recordAudit(trx, {
    projectId: project.id,
    operation,
    resourceType: 'immutable-rule',
    resource: `${project.name}:${id}`,
    username: actor.name,
    clientIp: actor.ip,
    at,
  });
}

function notFound(id: number): NotFoundError {
  return new NotFoundError('input', `immutability rule ${id} not found`);
}

/** The rules behind /projects/{project}/immutabletagrules; each change and its audit entry are one transaction. */
export class ImmutableRuleService {
  constructor(private readonly deps: Pick<ApiDeps, 'database' | 'clock'>) {}

  list(projectId: number, conditions: readonly QueryCondition[], offset: number, limit: number): Promise<{ total: number; rows: ImmutableRuleRow[] }> {
    return pageOfRules(this.deps.database.db, projectId, conditions, offset, limit);
  }

  /** Adds a rule; a project holds at most MAX_RULES. */
  create(project: Project, body: ImmutableRuleBody, actor: Actor): Promise<number> {
    const now = this.deps.clock.now();
    return this.deps.database.db.transaction().execute(async (trx) => {
      if ((await countRules(trx, project.id)) >= MAX_RULES) throw new InvalidInputError('input', `a project holds at most ${MAX_RULES} immutability rules`);
      const id = await insertRule(trx, project.id, fieldsOf(body), now);
      await audit(trx, 'create', project, id, actor, now);
      return id;
    });
  }

  update(project: Project, id: number, body: ImmutableRuleBody, actor: Actor): Promise<void> {
    const now = this.deps.clock.now();
    return this.deps.database.db.transaction().execute(async (trx) => {
      if (!(await findRuleRow(trx, project.id, id))) throw notFound(id);
      await updateRule(trx, id, fieldsOf(body), now);
      await audit(trx, 'update', project, id, actor, now);
    });
  }

  delete(project: Project, id: number, actor: Actor): Promise<void> {
    const now = this.deps.clock.now();
    return this.deps.database.db.transaction().execute(async (trx) => {
      if (!(await findRuleRow(trx, project.id, id))) throw notFound(id);
      await deleteRule(trx, id);
      await audit(trx, 'delete', project, id, actor, now);
    });
  }
}
