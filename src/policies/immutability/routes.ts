import { parseBody } from '../../platform/http/index.js';
import { requireProject, type ApiCaller, type ApiFeature } from '../../api/index.js';
import { recordAudit, type AuditOperation } from '../../audit/index.js';
import { identityName } from '../../auth/index.js';
import { ApiError } from '../../platform/errors/index.js';
import type { Executor, ImmutableRuleRow, Project } from '../../platform/db/index.js';
import { findRuleRow, listRuleRows } from './repo.js';
import { immutableRuleBody } from './rules.js';

/** Harbor's ImmutableRule JSON. */
function ruleJson(row: ImmutableRuleRow): Record<string, unknown> {
  return {
    id: row.id,
    priority: row.priority,
    disabled: row.disabled === 1,
    action: 'immutable',
    template: 'immutable_template',
    params: {},
    tag_selectors: JSON.parse(row.tag_selectors) as unknown,
    scope_selectors: JSON.parse(row.scope_selectors) as unknown,
  };
}

function ruleId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', 'immutable_rule_id must be a positive integer');
  return id;
}

const MAX_RULES = 15;

function audit(trx: Executor, operation: AuditOperation, project: Project, id: number, caller: ApiCaller, at: number): Promise<void> {
  return recordAudit(trx, {
    projectId: project.id,
    operation,
    resourceType: 'immutable-rule',
    resource: `${project.name}:${id}`,
    username: identityName(caller.identity),
    clientIp: caller.clientIp,
    at,
  });
}

/** /projects/{project_name_or_id}/immutabletagrules: who may change which tags, per project. */
export const immutabilityApi: ApiFeature = (scope, deps) => {
  const { db } = deps.database;

  scope.get<{ Params: { project: string } }>('/projects/:project/immutabletagrules', async (request, reply) => {
    const { project } = await requireProject(request, deps, request.params.project, 'immutable-tag', 'list');
    const rows = await listRuleRows(db, project.id);
    reply.header('x-total-count', String(rows.length));
    return rows.map(ruleJson);
  });

  scope.post<{ Params: { project: string } }>('/projects/:project/immutabletagrules', async (request, reply) => {
    const { project, caller } = await requireProject(request, deps, request.params.project, 'immutable-tag', 'create');
    const body = parseBody(immutableRuleBody, request.body);
    const now = deps.clock.now();
    const id = await db.transaction().execute(async (trx) => {
      const count = await trx.selectFrom('immutable_rules').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', project.id).executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_RULES) throw new ApiError('BAD_REQUEST', `a project holds at most ${MAX_RULES} immutability rules`);
      const row = await trx
        .insertInto('immutable_rules')
        .values({
          project_id: project.id,
          priority: body.priority ?? 0,
          disabled: body.disabled ? 1 : 0,
          tag_selectors: JSON.stringify(body.tag_selectors),
          scope_selectors: JSON.stringify(body.scope_selectors),
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(trx, 'create', project, row.id, caller, now);
      return row.id;
    });
    reply.code(201).header('location', `/api/v2.0/projects/${project.name}/immutabletagrules/${id}`).send();
  });

  scope.put<{ Params: { project: string; id: string } }>('/projects/:project/immutabletagrules/:id', async (request) => {
    const { project, caller } = await requireProject(request, deps, request.params.project, 'immutable-tag', 'update');
    const id = ruleId(request.params.id);
    const body = parseBody(immutableRuleBody, request.body);
    const now = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      if (!(await findRuleRow(trx, project.id, id))) throw new ApiError('NOT_FOUND', `immutability rule ${id} not found`);
      await trx
        .updateTable('immutable_rules')
        .set({
          priority: body.priority ?? 0,
          disabled: body.disabled ? 1 : 0,
          tag_selectors: JSON.stringify(body.tag_selectors),
          scope_selectors: JSON.stringify(body.scope_selectors),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      await audit(trx, 'update', project, id, caller, now);
    });
    return {};
  });

  scope.delete<{ Params: { project: string; id: string } }>('/projects/:project/immutabletagrules/:id', async (request) => {
    const { project, caller } = await requireProject(request, deps, request.params.project, 'immutable-tag', 'delete');
    const id = ruleId(request.params.id);
    const now = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      if (!(await findRuleRow(trx, project.id, id))) throw new ApiError('NOT_FOUND', `immutability rule ${id} not found`);
      await trx.deleteFrom('immutable_rules').where('id', '=', id).execute();
      await audit(trx, 'delete', project, id, caller, now);
    });
    return {};
  });
};
