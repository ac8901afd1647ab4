import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, createUser } from '../auth/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { recordAudit, type AuditOperation } from './index.js';
import type { AuditLogJson } from './schema.js';

const PASSWORD = 'Audit-Test-Pw1';
const ALICE = basic('alice', PASSWORD);
const DAVE = basic('dave', PASSWORD);
const ROBOT_SECRET = 'Robot-Secret-1';

interface Fixture {
  key: string;
  project: 'alpha' | 'beta' | null;
  operation: AuditOperation;
  resourceType: string;
  resource: string;
  username: string;
  at: string;
  success?: boolean;
  clientIp?: string;
}

// Inserted out of time order, so the listing's order comes from op_time, not from ids.
const FIXTURES: Fixture[] = [
  { key: 'r5', project: 'alpha', operation: 'push', resourceType: 'artifact', resource: 'alpha/app:1.0', username: 'alice', at: '2026-02-01T12:00:00Z' },
  { key: 'r1', project: null, operation: 'login', resourceType: 'user', resource: 'admin', username: 'admin', at: '2025-12-31T23:00:00Z' },
  {
    key: 'r13',
    project: 'beta',
    operation: 'delete',
    resourceType: 'artifact',
    resource: 'beta/db:1',
    username: 'bob',
    at: '2026-04-01T09:30:00Z',
    success: false,
    clientIp: '10.0.0.9',
  },
  { key: 'r2', project: null, operation: 'update', resourceType: 'user', resource: 'alice', username: 'admin', at: '2026-01-02T08:00:00Z' },
  { key: 'r3', project: 'alpha', operation: 'create', resourceType: 'project', resource: 'alpha', username: 'admin', at: '2026-01-05T10:00:00Z' },
  { key: 'r4', project: 'beta', operation: 'create', resourceType: 'project', resource: 'beta', username: 'admin', at: '2026-01-06T10:00:00Z' },
  { key: 'r6', project: 'alpha', operation: 'pull', resourceType: 'artifact', resource: 'alpha/app:1.0', username: 'dave', at: '2026-02-02T12:00:00Z' },
  { key: 'r7', project: 'beta', operation: 'push', resourceType: 'artifact', resource: 'beta/db:2', username: 'bob', at: '2026-02-03T12:00:00Z' },
  { key: 'r8', project: 'alpha', operation: 'push', resourceType: 'artifact', resource: 'alpha/50%_off:v1', username: 'alice', at: '2026-02-10T00:00:00Z' },
  { key: 'r9', project: 'alpha', operation: 'push', resourceType: 'artifact', resource: 'alpha/50xxoff:v1', username: 'alice', at: '2026-02-11T00:00:00Z' },
  { key: 'r10', project: 'alpha', operation: 'push', resourceType: 'artifact', resource: 'alpha/a_b:1', username: 'alice', at: '2026-02-12T00:00:00Z' },
  { key: 'r11', project: 'alpha', operation: 'push', resourceType: 'artifact', resource: 'alpha/axb:1', username: 'alice', at: '2026-02-13T00:00:00Z' },
  { key: 'r12', project: 'alpha', operation: 'delete', resourceType: 'artifact', resource: 'alpha/app:old', username: 'alice', at: '2026-03-01T00:00:00.500Z' },
  { key: 'r14', project: 'beta', operation: 'pull', resourceType: 'artifact', resource: 'beta/db:2', username: 'robot$beta+ci', at: '2026-04-02T00:00:00Z' },
  { key: 'r15', project: null, operation: 'login', resourceType: 'user', resource: 'alice', username: 'alice', at: '2026-04-03T00:00:00Z' },
];

/** Fixture keys newest first: what the default listing returns. */
const NEWEST_FIRST = [...FIXTURES].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).map((f) => f.key);
const keysWhere = (keep: (f: Fixture) => boolean) => NEWEST_FIRST.filter((key) => keep(FIXTURES.find((f) => f.key === key)!));

for (const dialect of testDialects()) {
  describe(`audit log API (${dialect.name})`, () => {
    let server: TestServer;
    let alphaId: number;
    /** id → fixture key, to read listings back as fixture keys. */
    const keyOf = new Map<number, string>();

    before(async () => {
      const now = Date.parse('2026-06-01T00:00:00Z');
      server = await startTestServer(dialect, {}, { now: () => now });
      const db = server.database.db;
      const passwordHash = await hashPassword(PASSWORD);
      const alice = await createUser(db, { username: 'alice', passwordHash, sysadmin: false, now });
      const dave = await createUser(db, { username: 'dave', passwordHash, sysadmin: false, now });
      const alpha = await createProject(db, { name: 'alpha', ownerId: 1, public: false, now });
      const beta = await createProject(db, { name: 'beta', ownerId: 1, public: false, now });
      await createProject(db, { name: 'gamma', ownerId: 1, public: false, now });
      alphaId = alpha.id;
      const member = (projectId: number, userId: number, role: number) => ({
        project_id: projectId,
        entity_type: 'u',
        entity_id: userId,
        role,
        repository_patterns: null,
        created_at: now,
        updated_at: now,
      });
      // alice: projectAdmin of alpha, only developer of beta; dave: developer of alpha.
      await db
        .insertInto('project_members')
        .values([member(alpha.id, alice.id, 1), member(beta.id, alice.id, 2), member(alpha.id, dave.id, 2)])
        .execute();

      const secretHash = await hashPassword(ROBOT_SECRET);
      const robot = async (
        name: string,
        level: 'system' | 'project',
        projectId: number | null,
        namespace: string,
        access: Array<{ resource: string; action: string }>,
      ) => {
        const row = await db
          .insertInto('robots')
          .values({ name, level, project_id: projectId, secret_hash: secretHash, duration: -1, expires_at: -1, creator: 'admin', created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('robot_permissions')
          .values({ robot_id: row.id, kind: namespace === '/' ? 'system' : 'project', namespace, access: JSON.stringify(access), repository_patterns: null })
          .execute();
      };
      await robot('robot$alpha+logs', 'project', alpha.id, 'alpha', [{ resource: 'log', action: 'list' }]);
      await robot('robot$alpha+pull', 'project', alpha.id, 'alpha', [{ resource: 'repository', action: 'pull' }]);
      await robot('robot$auditor', 'system', null, '/', [{ resource: 'audit-log', action: 'list' }]);
      await robot('robot$all-logs', 'system', null, '*', [{ resource: 'log', action: 'list' }]);

      const projectIds = { alpha: alpha.id, beta: beta.id };
      for (const f of FIXTURES) {
        await recordAudit(db, {
          projectId: f.project === null ? null : projectIds[f.project],
          operation: f.operation,
          resourceType: f.resourceType,
          resource: f.resource,
          username: f.username,
          clientIp: f.clientIp,
          success: f.success,
          at: Date.parse(f.at),
        });
      }
      const rows = await db.selectFrom('audit_logs').select(['id', 'resource', 'op_time']).execute();
      for (const row of rows) {
        const fixture = FIXTURES.find((f) => f.resource === row.resource && Date.parse(f.at) === row.op_time);
        if (fixture) keyOf.set(row.id, fixture.key);
      }
    });
    after(() => server.close());

    async function list(
      path: string,
      params: Record<string, string> = {},
      authorization?: string | null,
    ): Promise<{ keys: string[]; total: number; link: string | null; body: AuditLogJson[] }> {
      const search = new URLSearchParams(params).toString();
      const res = await api(server.url, 'GET', search ? `${path}?${search}` : path, { authorization });
      const body = await expectJson<AuditLogJson[]>(res, 200);
      return { keys: body.map((row) => keyOf.get(row.id) ?? `?${row.id}`), total: Number(res.headers.get('x-total-count')), link: res.headers.get('link'), body };
    }

    async function status(
      path: string,
      params: Record<string, string> = {},
      authorization?: string | null,
    ): Promise<{ status: number; code?: string; message?: string }> {
      const search = new URLSearchParams(params).toString();
      const res = await api(server.url, 'GET', search ? `${path}?${search}` : path, { authorization });
      const body = (await res.json()) as { errors?: Array<{ code: string; message: string }> };
      return { status: res.status, code: body.errors?.[0]?.code, message: body.errors?.[0]?.message };
    }

    it("shows the admin every row, newest first, in Harbor's AuditLog shape", async () => {
      const page = await list('/audit-logs', { page_size: '100' });
      assert.deepEqual(page.keys, NEWEST_FIRST);
      assert.equal(page.total, FIXTURES.length);
      assert.equal(page.link, null);
      const failed = page.body.find((row) => keyOf.get(row.id) === 'r13')!;
      assert.deepEqual(failed, {
        id: failed.id,
        username: 'bob',
        resource: 'beta/db:1',
        resource_type: 'artifact',
        operation: 'delete',
        op_time: '2026-04-01T09:30:00.000Z',
        client_ip: '10.0.0.9',
        success: false,
      });
      const ok = page.body.find((row) => keyOf.get(row.id) === 'r5')!;
      assert.equal(ok.success, true);
      assert.equal(ok.client_ip, null);
    });

    it('pages with page/page_size, X-Total-Count and Link', async () => {
      const first = await list('/audit-logs', { page: '1', page_size: '4' });
      assert.deepEqual(first.keys, NEWEST_FIRST.slice(0, 4));
      assert.equal(first.total, 15);
      assert.equal(first.link, '</api/v2.0/audit-logs?page=2&page_size=4>; rel="next"');

      const second = await list('/audit-logs', { page: '2', page_size: '4' });
      assert.deepEqual(second.keys, NEWEST_FIRST.slice(4, 8));
      assert.equal(second.link, '</api/v2.0/audit-logs?page=1&page_size=4>; rel="prev" , </api/v2.0/audit-logs?page=3&page_size=4>; rel="next"');

      const last = await list('/audit-logs', { page: '4', page_size: '4' });
      assert.deepEqual(last.keys, NEWEST_FIRST.slice(12));
      assert.equal(last.link, '</api/v2.0/audit-logs?page=3&page_size=4>; rel="prev"');

      const beyond = await list('/audit-logs', { page: '9', page_size: '4' });
      assert.deepEqual(beyond.keys, []);
      assert.equal(beyond.total, 15);

      const filtered = await list('/audit-logs', { q: 'operation=push', page: '1', page_size: '2' });
      assert.equal(filtered.total, 6);
      assert.equal(filtered.link, `</api/v2.0/audit-logs?q=operation%3Dpush&page=2&page_size=2>; rel="next"`);
    });

    it('filters by exact operation, resource_type and username', async () => {
      assert.deepEqual((await list('/audit-logs', { q: 'operation=delete' })).keys, ['r13', 'r12']);
      assert.deepEqual((await list('/audit-logs', { q: 'resource_type=project' })).keys, ['r4', 'r3']);
      assert.deepEqual((await list('/audit-logs', { q: 'username=bob' })).keys, ['r13', 'r7']);
      assert.deepEqual((await list('/audit-logs', { q: 'resource=alpha/app:1.0' })).keys, ['r6', 'r5']);
      assert.deepEqual((await list('/audit-logs', { q: 'username=ali' })).keys, []);
    });

    it('filters by any of a list: operation={create delete}', async () => {
      const page = await list('/audit-logs', { q: 'operation={create delete}' });
      assert.deepEqual(page.keys, ['r13', 'r12', 'r4', 'r3']);
      assert.equal(page.total, 4);
    });

    it('matches fuzzily, ignoring case, with % and _ taken literally', async () => {
      assert.deepEqual(
        (await list('/audit-logs', { q: 'username=~ALI' })).keys,
        keysWhere((f) => f.username === 'alice'),
      );
      assert.deepEqual((await list('/audit-logs', { q: 'resource=~app' })).keys, ['r12', 'r6', 'r5']);
      // q values are percent-decoded once more, as in Harbor: %25 is a literal %.
      assert.deepEqual((await list('/audit-logs', { q: 'resource=~50%25' })).keys, ['r8']);
      assert.deepEqual((await list('/audit-logs', { q: 'resource=~a_b' })).keys, ['r10']);
      assert.deepEqual((await list('/audit-logs', { q: 'resource=~!' })).keys, []);
    });

    it("filters by an op_time range, Harbor's format or ISO-8601, each end inclusive", async () => {
      const february = await list('/audit-logs', { q: 'op_time=[2026-02-01 00:00:00~2026-03-01 00:00:00]', page_size: '50' });
      // r12 is at 00:00:00.500: inside the second the upper bound names.
      assert.deepEqual(february.keys, ['r12', 'r11', 'r10', 'r9', 'r8', 'r7', 'r6', 'r5']);
      assert.deepEqual((await list('/audit-logs', { q: 'op_time=[2026-04-01T00:00:00Z~2026-04-02T23:59:59Z]' })).keys, ['r14', 'r13']);
      assert.deepEqual((await list('/audit-logs', { q: 'op_time=[2026-04-01T11:30:00+02:00~]' })).keys, ['r15', 'r14', 'r13']);
      assert.deepEqual((await list('/audit-logs', { q: 'op_time=[~2026-01-01 00:00:00]' })).keys, ['r1']);
      assert.deepEqual((await list('/audit-logs', { q: 'op_time=["2026-01-05 00:00:00"~"2026-01-06"]' })).keys, ['r4', 'r3']);
    });

    it('combines terms', async () => {
      const page = await list('/audit-logs', { q: 'operation=push,username=~alice,op_time=[2026-02-11 00:00:00~2026-02-12 23:59:59]' });
      assert.deepEqual(page.keys, ['r10', 'r9']);
    });

    it('sorts by op_time either way', async () => {
      assert.deepEqual((await list('/audit-logs', { sort: 'op_time', page_size: '100' })).keys, [...NEWEST_FIRST].reverse());
      assert.deepEqual((await list('/audit-logs', { sort: '-op_time', page_size: '100' })).keys, NEWEST_FIRST);
      assert.deepEqual((await list('/audit-logs', { sort: 'op_time', q: 'operation=delete' })).keys, ['r12', 'r13']);
    });

    it('answers 400 for a bad q, sort or paging, naming the problem', async () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ q: 'project_id=1' }, /unsupported query key "project_id"/],
        [{ q: 'op_time=[yesterday~]' }, /invalid op_time "yesterday"/],
        [{ q: 'op_time=[2026-13-01 00:00:00~]' }, /invalid op_time/],
        [{ q: 'op_time=[2026-02-30 00:00:00~]' }, /invalid op_time/],
        [{ q: 'op_time=[2026-03-01 00:00:00~2026-02-01 00:00:00]' }, /ends before it starts/],
        [{ q: 'op_time=~2026' }, /op_time takes a range/],
        [{ q: 'username=[a~m]' }, /username does not take a range/],
        [{ q: 'resource=~50%' }, /percent-encoded/],
        [{ q: 'operation' }, /expected key=value/],
        [{ sort: 'username' }, /cannot sort by "username"/],
        [{ page_size: '0' }, /page_size/],
      ];
      for (const [params, message] of cases) {
        const res = await status('/audit-logs', params);
        assert.equal(res.status, 400, JSON.stringify(params));
        assert.equal(res.code, 'BAD_REQUEST');
        assert.match(res.message ?? '', message);
      }
      const projectRes = await status('/projects/alpha/logs', { q: 'op_time=[nope~]' });
      assert.equal(projectRes.status, 400);
    });

    it('shows a project admin only the rows of their projects', async () => {
      const page = await list('/audit-logs', { page_size: '100' }, ALICE);
      assert.deepEqual(
        page.keys,
        keysWhere((f) => f.project === 'alpha'),
      );
      assert.equal(page.total, 8);
      // No filter widens the view: beta's rows and project-less rows stay hidden.
      assert.deepEqual((await list('/audit-logs', { q: 'username=bob' }, ALICE)).keys, []);
      assert.deepEqual((await list('/audit-logs', { q: 'resource=~beta' }, ALICE)).keys, []);
      assert.deepEqual((await list('/audit-logs', { q: 'operation=login' }, ALICE)).keys, []);
    });

    it("lets a project admin read their project's logs and no other project's", async () => {
      const page = await list('/projects/alpha/logs', { page_size: '100' }, ALICE);
      assert.deepEqual(
        page.keys,
        keysWhere((f) => f.project === 'alpha'),
      );
      assert.equal(page.total, 8);
      // Member of beta without log:list: forbidden. Not a member of gamma: not found.
      const beta = await status('/projects/beta/logs', {}, ALICE);
      assert.equal(beta.status, 403);
      assert.equal(beta.code, 'FORBIDDEN');
      assert.equal((await status('/projects/gamma/logs', {}, ALICE)).status, 404);
      assert.equal((await status('/projects/nope/logs', {}, ALICE)).status, 404);
    });

    it("lists a project's logs by name (digits are a name there, as in Harbor), with filters, paging, and the auditlogs alias", async () => {
      assert.deepEqual(
        (await list('/projects/beta/logs')).keys,
        keysWhere((f) => f.project === 'beta'),
      );
      assert.deepEqual((await list('/projects/alpha/logs', { q: 'operation=delete' })).keys, ['r12']);
      // Harbor's {project_name}: the project's id is not a name of any project.
      assert.equal((await api(server.url, 'GET', `/projects/${alphaId}/logs`)).status, 404);
      const paged = await list('/projects/alpha/auditlogs', { page: '2', page_size: '3', sort: 'op_time' });
      assert.deepEqual(
        paged.keys,
        keysWhere((f) => f.project === 'alpha')
          .reverse()
          .slice(3, 6),
      );
      assert.equal(paged.total, 8);
      assert.equal(
        paged.link,
        '</api/v2.0/projects/alpha/auditlogs?page=1&page_size=3&sort=op_time>; rel="prev" , </api/v2.0/projects/alpha/auditlogs?page=3&page_size=3&sort=op_time>; rel="next"',
      );
    });

    it('shows a developer nothing and refuses them the project logs', async () => {
      const page = await list('/audit-logs', {}, DAVE);
      assert.deepEqual(page.keys, []);
      assert.equal(page.total, 0);
      const res = await status('/projects/alpha/logs', {}, DAVE);
      assert.equal(res.status, 403);
      assert.equal(res.code, 'FORBIDDEN');
    });

    it('asks anonymous callers to authenticate', async () => {
      for (const path of ['/audit-logs', '/projects/alpha/logs', '/projects/library/logs']) {
        const res = await status(path, {}, null);
        assert.equal(res.status, 401, path);
        assert.equal(res.code, 'UNAUTHORIZED');
      }
      // Even with a malformed q: nothing about the API's rules is answered before authentication.
      assert.equal((await status('/audit-logs', { q: 'bogus=1' }, null)).status, 401);
    });

    it('scopes robots by their grants', async () => {
      const robot = (name: string) => basic(name, ROBOT_SECRET);
      assert.deepEqual(
        (await list('/audit-logs', { page_size: '100' }, robot('robot$alpha+logs'))).keys,
        keysWhere((f) => f.project === 'alpha'),
      );
      assert.deepEqual((await list('/audit-logs', { page_size: '100' }, robot('robot$alpha+pull'))).keys, []);
      assert.deepEqual((await list('/audit-logs', { page_size: '100' }, robot('robot$auditor'))).keys, NEWEST_FIRST);
      assert.deepEqual(
        (await list('/audit-logs', { page_size: '100' }, robot('robot$all-logs'))).keys,
        keysWhere((f) => f.project !== null),
      );
    });
  });
}
