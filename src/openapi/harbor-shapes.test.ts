import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor, describeSkipReason, harborSchemaAvailable } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';

interface ShapeCase {
  method: 'GET' | 'POST';
  path: string;
  definition: string;
  array?: boolean;
  status?: number;
  body?: unknown;
}

const CASES: readonly ShapeCase[] = [
  { method: 'GET', path: '/users', definition: 'UserResp', array: true },
  { method: 'GET', path: '/users/current', definition: 'UserResp' },
  { method: 'GET', path: '/projects', definition: 'Project', array: true },
  { method: 'GET', path: '/projects/shapes', definition: 'Project' },
  { method: 'GET', path: '/projects/shapes/summary', definition: 'ProjectSummary' },
  { method: 'GET', path: '/projects/shapes/members', definition: 'ProjectMemberEntity', array: true },
  { method: 'GET', path: '/robots', definition: 'Robot', array: true },
  {
    method: 'POST',
    path: '/robots',
    definition: 'RobotCreated',
    status: 201,
    body: { name: 'shapes-ci', level: 'system', duration: 30, permissions: [{ kind: 'project', namespace: 'shapes', access: [{ resource: 'repository', action: 'pull' }] }] },
  },
  { method: 'GET', path: '/audit-logs', definition: 'AuditLog', array: true },
  { method: 'GET', path: '/permissions', definition: 'Permissions' },
  { method: 'GET', path: '/systeminfo', definition: 'GeneralInfo' },
  { method: 'GET', path: '/systeminfo/volumes', definition: 'SystemInfo' },
  { method: 'GET', path: '/statistics', definition: 'Statistic' },
  { method: 'GET', path: '/health', definition: 'OverallHealthStatus' },
  { method: 'GET', path: '/search?q=shapes', definition: 'Search' },
  { method: 'GET', path: '/configurations', definition: 'ConfigurationsResponse' },
];

if (!harborSchemaAvailable()) {
  test.skip(describeSkipReason());
} else {
  for (const dialect of testDialects()) {
    describe(`responses match Harbor's swagger definitions (${dialect.name})`, () => {
      let server: TestServer;

      before(async () => {
        server = await startTestServer(dialect);
        const setup = async (path: string, body: unknown) => expectJson(await api(server.url, 'POST', path, { body }), 201);
        await setup('/users', { username: 'shaper', password: 'Passw0rd-shaper', email: 'shaper@example.com', realname: 'Shaper' });
        await setup('/projects', { project_name: 'shapes', metadata: { public: 'false' } });
        await setup('/projects/shapes/members', { role_id: 2, member_user: { username: 'shaper' } });
        await setup('/robots', { name: 'shapes-setup', level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'shapes', access: [{ resource: 'repository', action: 'pull' }] }] });
      });
      after(() => server.close());

      for (const shape of CASES) {
        const name = `${shape.method} ${shape.path} is Harbor's ${shape.definition}${shape.array ? '[]' : ''}`;
        it(name, async () => {
          const value = await expectJson<unknown>(await api(server.url, shape.method, shape.path, { body: shape.body }), shape.status ?? 200);
          if (shape.array) assert.ok(Array.isArray(value) && value.length > 0, `${shape.path} should list what the set-up created`);
          assertMatchesHarbor(shape.definition, value, { array: shape.array });
        });
      }
    });
  }
}
