import { parseBody, queryParam, type QueryFields } from '../../platform/http/index.js';
import { parsePaging, parseQueryConditions, requireProject, projectByNameOrId, setPagingHeaders, type ApiCaller, type ApiFeature } from '../../api/index.js';
import { identityName } from '../../auth/index.js';
import { ApiError } from '../../platform/errors/index.js';
import type { ImmutableRuleRow } from '../../platform/db/index.js';
import { immutableRuleBody } from './rules.js';
import { ImmutableRuleService, type Actor } from './service.js';
import type { ImmutableRuleJson } from './shapes.js';

/** `q` keys of a project's rule list (Harbor's rule columns). */
const RULE_QUERY_FIELDS: QueryFields = {
  id: { column: 'id', kind: 'integer' },
  priority: { column: 'priority', kind: 'integer' },
  disabled: { column: 'disabled', kind: 'boolean' },
  creation_time: { column: 'created_at', kind: 'time' },
  update_time: { column: 'updated_at', kind: 'time' },
};

/** Harbor's ImmutableRule JSON. */
function ruleJson(row: ImmutableRuleRow): ImmutableRuleJson {
  return {
    id: row.id,
    priority: row.priority,
    disabled: row.disabled === 1,
    action: 'immutable',
    template: 'immutable_template',
    params: {},
    // Stored as the rule body's selectors were parsed, which the shape's selectors are.
    tag_selectors: JSON.parse(row.tag_selectors) as ImmutableRuleJson['tag_selectors'],
    scope_selectors: JSON.parse(row.scope_selectors) as ImmutableRuleJson['scope_selectors'],
  };
}

function ruleId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', 'immutable_rule_id must be a positive integer');
  return id;
}

function actor(caller: ApiCaller): Actor {
  return { name: identityName(caller.identity), ip: caller.clientIp };
}

/** /projects/{project_name_or_id}/immutabletagrules: who may change which tags, per project. */
export const immutabilityApi: ApiFeature = (scope, deps) => {
  const rules = new ImmutableRuleService(deps);

  scope.get<{ Params: { project: string } }>('/projects/:project/immutabletagrules', async (request, reply) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), 'immutable-tag', 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), RULE_QUERY_FIELDS);
    const { total, rows } = await rules.list(project.id, conditions, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return rows.map(ruleJson);
  });

  scope.post<{ Params: { project: string } }>('/projects/:project/immutabletagrules', async (request, reply) => {
    const { project, caller } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), 'immutable-tag', 'create');
    const body = parseBody(immutableRuleBody, request.body);
    const id = await rules.create(project, body, actor(caller));
    reply.code(201).header('location', `/api/v2.0/projects/${project.name}/immutabletagrules/${id}`).send();
  });

  scope.put<{ Params: { project: string; id: string } }>('/projects/:project/immutabletagrules/:id', async (request) => {
    const { project, caller } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), 'immutable-tag', 'update');
    const id = ruleId(request.params.id);
    const body = parseBody(immutableRuleBody, request.body);
    await rules.update(project, id, body, actor(caller));
    return {};
  });

  scope.delete<{ Params: { project: string; id: string } }>('/projects/:project/immutabletagrules/:id', async (request) => {
    const { project, caller } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), 'immutable-tag', 'delete');
    const id = ruleId(request.params.id);
    await rules.delete(project, id, actor(caller));
    return {};
  });
};
