import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { runGc } from '../gc/fixtures.suite.js';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { harborDefinitionNames, harborSchemaAvailable } from '../testing/harbor-schema.js';
import { Receiver } from '../testing/receiver.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';
import { swaggerDefinitions } from './definitions.js';
import type { OpenApiDocument } from './document.js';
import { RESPONSE_SHAPES } from './response-shapes.js';

/**
 * Real responses parse with the shape the OpenAPI document declares for their operation. The
 * shapes refuse fields they do not name, so a field added to a response without its shape (or a
 * shape that drifts from what a handler sends) fails here.
 */

interface ResponseCase {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  status?: number;
  body?: unknown;
  /** Sent without credentials: what an anonymous caller sees. */
  anonymous?: boolean;
}

const ARTIFACTS = '/projects/shapes/repositories/app/artifacts';
const ALL_ARTIFACT_FLAGS = 'with_tag=true&with_label=true&with_accessory=true&with_immutable_status=true';

const CASES: readonly ResponseCase[] = [
  { method: 'GET', path: '/projects' },
  { method: 'GET', path: '/projects?with_detail=false' },
  { method: 'GET', path: '/projects/shapes' },
  { method: 'GET', path: '/projects/shapes/summary' },
  { method: 'GET', path: '/projects/shapes/members' },
  { method: 'GET', path: '/projects/shapes/members/{member_id}' },
  { method: 'GET', path: '/quotas' },
  { method: 'GET', path: '/quotas/{quota_id}' },
  { method: 'GET', path: '/repositories' },
  { method: 'GET', path: '/projects/shapes/repositories' },
  { method: 'GET', path: '/projects/shapes/repositories/app' },
  { method: 'GET', path: ARTIFACTS },
  { method: 'GET', path: `${ARTIFACTS}?${ALL_ARTIFACT_FLAGS}` },
  { method: 'GET', path: `${ARTIFACTS}/v1?${ALL_ARTIFACT_FLAGS}` },
  { method: 'GET', path: `/projects/shapes/artifacts?${ALL_ARTIFACT_FLAGS}` },
  { method: 'GET', path: `${ARTIFACTS}/v1/tags?with_immutable_status=true` },
  { method: 'GET', path: `${ARTIFACTS}/v1/accessories` },
  { method: 'GET', path: '/labels?scope=g' },
  { method: 'GET', path: '/labels/{label_id}' },
  { method: 'GET', path: '/robots' },
  { method: 'GET', path: '/robots/{robot_id}' },
  { method: 'PATCH', path: '/robots/{robot_id}', body: {} },
  {
    method: 'POST',
    path: '/robots',
    status: 201,
    body: {
      name: 'shapes-ci',
      level: 'system',
      duration: 30,
      permissions: [{ kind: 'project', namespace: 'shapes', access: [{ resource: 'repository', action: 'pull' }] }],
    },
  },
  { method: 'GET', path: '/permissions' },
  { method: 'GET', path: '/users' },
  { method: 'GET', path: '/users/{user_id}' },
  { method: 'GET', path: '/users/current' },
  { method: 'GET', path: '/users/current/permissions?scope=/project/{project_id}&relative=true' },
  { method: 'GET', path: '/users/search?username=shap' },
  { method: 'GET', path: '/audit-logs' },
  { method: 'GET', path: '/projects/shapes/logs' },
  { method: 'GET', path: '/systeminfo' },
  { method: 'GET', path: '/systeminfo', anonymous: true },
  { method: 'GET', path: '/systeminfo/volumes' },
  { method: 'GET', path: '/statistics' },
  { method: 'GET', path: '/search?q=shapes' },
  { method: 'GET', path: '/configurations' },
  { method: 'GET', path: '/system/gc' },
  { method: 'GET', path: '/system/gc/{gc_id}' },
  { method: 'GET', path: '/system/gc/schedule' },
  { method: 'GET', path: '/jobservice/queues' },
  { method: 'GET', path: '/jobservice/pools' },
  { method: 'GET', path: '/projects/shapes/immutabletagrules' },
  { method: 'GET', path: '/retentions/{retention_id}' },
  { method: 'GET', path: '/retentions/{retention_id}/executions' },
  { method: 'GET', path: '/retentions/{retention_id}/executions/{retention_execution_id}/tasks' },
  { method: 'GET', path: '/projects/shapes/webhook/policies' },
  { method: 'GET', path: '/projects/shapes/webhook/policies/{webhook_policy_id}' },
  { method: 'GET', path: '/projects/shapes/webhook/events' },
  { method: 'GET', path: '/projects/shapes/webhook/policies/{webhook_policy_id}/executions' },
  { method: 'GET', path: '/projects/shapes/webhook/policies/{webhook_policy_id}/executions/{webhook_execution_id}/tasks' },
];

type Json = Record<string, unknown>;

/** The definition the document declares for the operation answering `method path`, and whether it is a list. */
function declaredResponse(doc: OpenApiDocument, method: string, path: string, status: number): { name: string; array: boolean } {
  const bare = path.split('?')[0]!;
  const match = Object.entries(doc.paths).find(([template, ops]) => {
    if (!ops[method.toLowerCase()]) return false;
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(bare) && !Object.keys(doc.paths).some((other) => other !== template && other === bare);
  });
  assert.ok(match, `the document lists ${method} ${bare}`);
  const schema = match[1][method.toLowerCase()]?.responses[String(status)]?.schema;
  const ref = schema?.type === 'array' ? schema.items?.$ref : schema?.$ref;
  assert.ok(ref, `the document declares what ${method} ${match[0]} answers`);
  return { name: ref.replace('#/definitions/', ''), array: schema?.type === 'array' };
}

function shapeNamed(name: string): z.ZodType {
  const shape = RESPONSE_SHAPES.harbor[name] ?? RESPONSE_SHAPES.berth[name];
  assert.ok(shape, `the document's ${name} has a response shape`);
  return shape;
}

describe('response shapes', () => {
  it("carry Harbor's definition names, and are described in the OpenAPI document", async () => {
    if (harborSchemaAvailable()) {
      const harbor = new Set(harborDefinitionNames());
      assert.deepEqual(
        Object.keys(RESPONSE_SHAPES.harbor).filter((name) => !harbor.has(name)),
        [],
        "every shape filed under Harbor's names is one of Harbor's definitions",
      );
      assert.deepEqual(
        Object.keys(RESPONSE_SHAPES.berth).filter((name) => harbor.has(name)),
        [],
        "Berth's own names are not Harbor's",
      );
    }
  });

  it('are swagger 2.0 definitions: refs into #/definitions, x-nullable, no JSON Schema keywords swagger 2.0 lacks', () => {
    const definitions = swaggerDefinitions(RESPONSE_SHAPES);
    const problems: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${at}[${i}]`));
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (['$id', '$schema', '$defs', 'const', 'nullable', 'prefixItems'].includes(key)) problems.push(`${at}.${key}`);
        if (key === '$ref' && !(typeof value === 'string' && definitions[value.replace('#/definitions/', '')])) problems.push(`${at}.$ref ${String(value)}`);
        if (key !== 'properties' || typeof value !== 'object') walk(value, `${at}.${key}`);
        else for (const [name, property] of Object.entries(value as Json)) walk(property, `${at}.properties.${name}`);
      }
    };
    walk(definitions, '$');
    assert.deepEqual(problems, []);
    assert.deepEqual(definitions.Reference?.properties?.urls, { 'x-nullable': true, type: 'array', items: { type: 'string' } });
    assert.deepEqual(definitions.Artifact?.properties?.tags, { type: 'array', items: { $ref: '#/definitions/Tag' } });
    assert.equal(definitions.Artifact?.required?.includes('tags'), false, 'tags come only with_tag');
    assert.equal(definitions.Project?.['x-harbor-definition'], 'Project');
    assert.equal(definitions.BuildHistoryEntry?.['x-harbor-definition'], undefined, "Berth's own definition does not claim Harbor's name");
  });

  it('refuse a field they do not declare', () => {
    const shape = shapeNamed('Label');
    const label = { id: 1, name: 'l', description: '', color: '', scope: 'g', project_id: 0, creation_time: '', update_time: '' };
    assert.equal(shape.safeParse(label).success, true);
    assert.equal(shape.safeParse({ ...label, extra: 1 }).success, false);
  });
});

for (const dialect of testDialects()) {
  describe(`responses parse with their declared shapes, no field undeclared (${dialect.name})`, () => {
    let server: TestServer;
    let doc: OpenApiDocument;
    const receiver = new Receiver();
    const ids: Record<string, number> = {};

    before(async () => {
      await receiver.start();
      server = await startTestServer(dialect, { gc: { graceMinutes: 0 }, jobs: { pollIntervalMs: 50 }, outbound: { allowPrivateNetworks: true } });
      doc = await expectJson<OpenApiDocument>(await api(server.url, 'GET', '/swagger.json'), 200);
      const create = async (path: string, body: unknown): Promise<number> => {
        const res = await api(server.url, 'POST', path, { body });
        assert.equal(res.status, 201, `${path}: ${await res.clone().text()}`);
        return Number(res.headers.get('location')?.split('/').pop());
      };
      ids.user_id = await create('/users', { username: 'shaper', password: 'Passw0rd-shaper', email: 'shaper@example.com', realname: 'Shaper' });
      ids.project_id = await create('/projects', { project_name: 'shapes', metadata: { public: 'false', auto_scan: 'true' } });
      ids.member_id = await create('/projects/shapes/members', { role_id: 2, member_user: { username: 'shaper' } });
      ids.robot_id = await create('/robots', {
        name: 'shapes-setup',
        level: 'project',
        duration: -1,
        permissions: [{ kind: 'project', namespace: 'shapes', access: [{ resource: 'repository', action: 'pull' }] }],
      });
      ids.webhook_policy_id = await create('/projects/shapes/webhook/policies', {
        name: 'shapes',
        targets: [{ type: 'http', address: `${receiver.url}/shapes` }],
        event_types: ['PUSH_ARTIFACT'],
        enabled: true,
      });
      // Content: an image, a signature on it, a label on it, a rule making its tag immutable.
      const client = new TestClient(server.url);
      const image = await client.pushImage('shapes/app', 'v1');
      await client.pushArtifact('shapes/app', 'v1.sig', {
        config: { data: Buffer.from('{}'), mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ data: Buffer.from('signature'), mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        subject: { digest: image.digest, size: Buffer.byteLength(JSON.stringify(image.manifest)) },
      });
      ids.label_id = await create('/labels', { name: 'shaped', scope: 'g', color: '#0000ff', description: 'for shapes' });
      await expectJson(await api(server.url, 'POST', `${ARTIFACTS}/v1/labels`, { body: { id: ids.label_id } }), 200);
      await create('/projects/shapes/immutabletagrules', {
        disabled: false,
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      });
      ids.retention_id = await create('/retentions', {
        algorithm: 'or',
        rules: [
          {
            template: 'latestPushedK',
            params: { latestPushedK: 5 },
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
          },
        ],
        trigger: { kind: 'Schedule', settings: { cron: '' } },
        scope: { level: 'project', ref: ids.project_id },
      });
      ids.retention_execution_id = await create(`/retentions/${ids.retention_id}/executions`, { dry_run: true });
      ids.gc_id = (await runGc(server.url, { dry_run: true })).id;
      ids.quota_id = (await expectJson<Json[]>(await api(server.url, 'GET', `/quotas?reference_id=${ids.project_id}`), 200))[0]?.id as number;
      // The background work has finished: the retention run has its tasks, the push its delivery.
      await eventually(async () => {
        const tasks = await expectJson<Json[]>(await api(server.url, 'GET', `/retentions/${ids.retention_id}/executions/${ids.retention_execution_id}/tasks`), 200);
        return tasks.length > 0 ? tasks : undefined;
      });
      const executions = `/projects/shapes/webhook/policies/${ids.webhook_policy_id}/executions`;
      ids.webhook_execution_id = await eventually(async () => {
        const list = await expectJson<Json[]>(await api(server.url, 'GET', executions), 200);
        return list[0]?.id as number | undefined;
      });
      await eventually(async () => {
        const tasks = await expectJson<Json[]>(await api(server.url, 'GET', `${executions}/${ids.webhook_execution_id}/tasks`), 200);
        return tasks.length > 0 ? tasks : undefined;
      });
      // A paused kind is listed among the queues even when nothing waits in it.
      assert.equal((await api(server.url, 'PUT', '/jobservice/queues/gc', { body: { action: 'pause' } })).status, 200);
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    for (const c of CASES) {
      it(`${c.method} ${c.path}${c.anonymous ? ' (anonymous)' : ''}`, async () => {
        const path = c.path.replace(/\{(\w+)\}/g, (_, key: string) => String(ids[key]));
        const status = c.status ?? 200;
        const value = await expectJson<unknown>(await api(server.url, c.method, path, { body: c.body, authorization: c.anonymous ? null : undefined }), status);
        const declared = declaredResponse(doc, c.method, path, status);
        if (declared.array) assert.ok(Array.isArray(value) && value.length > 0, `${path} should list what the set-up created`);
        const shape = shapeNamed(declared.name);
        const result = (declared.array ? z.array(shape) : shape).safeParse(value);
        assert.ok(
          result.success,
          `${c.method} ${path} is not the document's ${declared.name}${declared.array ? '[]' : ''}:\n${result.error?.message}\n${JSON.stringify(value, null, 1)}`,
        );
      });
    }
  });
}
