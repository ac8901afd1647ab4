import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { testDialects } from '../testing/dialects.js';
import { TestClient } from '../testing/client.js';
import { assertMatchesHarbor, checkHarbor, describeSkipReason, harborSchemaAvailable } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';

interface ShapeCase {
  method: 'GET' | 'POST';
  path: string;
  definition: string;
  array?: boolean;
  status?: number;
  body?: unknown;
  /**
   * Where Harbor's own responses differ from its swagger, Berth sends what Harbor sends:
   * errors matching these are expected.
   */
  asHarborSends?: readonly RegExp[];
}

/** Harbor sends an image's extra_attrs (architecture, os…) as strings; its swagger says objects. */
const EXTRA_ATTRS_ARE_STRINGS = /\.extra_attrs\.\w+: expected object/;
const ALL_ARTIFACT_FLAGS = 'with_tag=true&with_label=true&with_accessory=true&with_immutable_status=true&with_signature=true&with_scan_overview=true';
const ARTIFACT = '/projects/shapes/repositories/app/artifacts';

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
    body: {
      name: 'shapes-ci',
      level: 'system',
      duration: 30,
      permissions: [{ kind: 'project', namespace: 'shapes', access: [{ resource: 'repository', action: 'pull' }] }],
    },
  },
  { method: 'GET', path: '/audit-logs', definition: 'AuditLog', array: true },
  { method: 'GET', path: '/permissions', definition: 'Permissions' },
  { method: 'GET', path: '/systeminfo', definition: 'GeneralInfo' },
  { method: 'GET', path: '/systeminfo/volumes', definition: 'SystemInfo' },
  { method: 'GET', path: '/statistics', definition: 'Statistic' },
  { method: 'GET', path: '/health', definition: 'OverallHealthStatus' },
  { method: 'GET', path: '/search?q=shapes', definition: 'Search' },
  { method: 'GET', path: '/configurations', definition: 'ConfigurationsResponse' },
  { method: 'GET', path: '/repositories', definition: 'Repository', array: true },
  { method: 'GET', path: '/projects/shapes/repositories', definition: 'Repository', array: true },
  { method: 'GET', path: '/projects/shapes/repositories/app', definition: 'Repository' },
  { method: 'GET', path: `${ARTIFACT}?${ALL_ARTIFACT_FLAGS}`, definition: 'Artifact', array: true, asHarborSends: [EXTRA_ATTRS_ARE_STRINGS] },
  { method: 'GET', path: `${ARTIFACT}/v1?${ALL_ARTIFACT_FLAGS}`, definition: 'Artifact', asHarborSends: [EXTRA_ATTRS_ARE_STRINGS] },
  { method: 'GET', path: `/projects/shapes/artifacts?${ALL_ARTIFACT_FLAGS}`, definition: 'Artifact', array: true, asHarborSends: [EXTRA_ATTRS_ARE_STRINGS] },
  { method: 'GET', path: `${ARTIFACT}/v1/tags?with_immutable_status=true`, definition: 'Tag', array: true },
  { method: 'GET', path: `${ARTIFACT}/v1/accessories`, definition: 'Accessory', array: true },
  { method: 'GET', path: '/labels?scope=g', definition: 'Label', array: true },
  { method: 'GET', path: '/labels/{label_id}', definition: 'Label' },
  { method: 'GET', path: '/projects/shapes/immutabletagrules', definition: 'ImmutableRule', array: true },
];

if (!harborSchemaAvailable()) {
  test.skip(describeSkipReason());
} else {
  for (const dialect of testDialects()) {
    describe(`responses match Harbor's swagger definitions (${dialect.name})`, () => {
      let server: TestServer;
      const ids: Record<string, number> = {};

      before(async () => {
        server = await startTestServer(dialect);
        const setup = async (path: string, body: unknown) => expectJson(await api(server.url, 'POST', path, { body }), 201);
        await setup('/users', { username: 'shaper', password: 'Passw0rd-shaper', email: 'shaper@example.com', realname: 'Shaper' });
        await setup('/projects', { project_name: 'shapes', metadata: { public: 'false' } });
        await setup('/projects/shapes/members', { role_id: 2, member_user: { username: 'shaper' } });
        await setup('/robots', {
          name: 'shapes-setup',
          level: 'project',
          duration: -1,
          permissions: [{ kind: 'project', namespace: 'shapes', access: [{ resource: 'repository', action: 'pull' }] }],
        });
        // Content, so that every listing below has something to show.
        const client = new TestClient(server.url);
        const image = await client.pushImage('shapes/app', 'v1');
        await client.pushArtifact('shapes/app', 'v1.sig', {
          config: { data: Buffer.from('{}'), mediaType: 'application/vnd.oci.empty.v1+json' },
          layers: [{ data: Buffer.from('signature'), mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
          subject: { digest: image.digest, size: Buffer.byteLength(JSON.stringify(image.manifest)) },
        });
        const label = await setup('/labels', { name: 'shaped', scope: 'g', color: '#0000ff', description: 'for shapes' });
        ids.label_id = (label as { id: number }).id;
        await expectJson(await api(server.url, 'POST', `${ARTIFACT}/v1/labels`, { body: { id: ids.label_id } }), 200);
        await setup('/projects/shapes/immutabletagrules', {
          disabled: false,
          action: 'immutable',
          template: 'immutable_template',
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        });
      });
      after(() => server.close());

      for (const shape of CASES) {
        const name = `${shape.method} ${shape.path} is Harbor's ${shape.definition}${shape.array ? '[]' : ''}`;
        it(name, async () => {
          const path = shape.path.replace(/\{(\w+)\}/g, (_, key: string) => String(ids[key]));
          const value = await expectJson<unknown>(await api(server.url, shape.method, path, { body: shape.body }), shape.status ?? 200);
          if (shape.array) assert.ok(Array.isArray(value) && value.length > 0, `${shape.path} should list what the set-up created`);
          if (shape.asHarborSends) {
            const { errors } = checkHarbor(shape.definition, value, { array: shape.array });
            assert.deepEqual(
              errors.filter((e) => !shape.asHarborSends!.some((allowed) => allowed.test(e))),
              [],
            );
          } else {
            assertMatchesHarbor(shape.definition, value, { array: shape.array });
          }
        });
      }
    });
  }
}
