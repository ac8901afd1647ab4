import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { addMember, addUser, expectError, newProject, type TestUser } from '../fixtures.suite.js';

interface Allowlist {
  id: number;
  project_id: number;
  expires_at: number | null;
  items: Array<{ cve_id: string }>;
  creation_time: string;
  update_time: string;
}

for (const dialect of testDialects()) {
  describe(`CVE allowlists (${dialect.name})`, () => {
    let server: TestServer;
    let url: string;
    let alice: TestUser;

    before(async () => {
      server = await startTestServer(dialect);
      url = server.url;
      alice = await addUser(server, 'alice');
    });
    after(() => server.close());

    it('serves the system allowlist to every signed-in user, empty and never expiring at first', async () => {
      const list = await expectJson<Allowlist>(await api(url, 'GET', '/system/CVEAllowlist', { authorization: alice.auth }), 200);
      assert.equal(list.project_id, 0);
      assert.deepEqual(list.items, []);
      assert.equal(list.expires_at, null);
      assert.ok(!Number.isNaN(Date.parse(list.creation_time)));
      await expectError(await api(url, 'GET', '/system/CVEAllowlist', { authorization: null }), 401);
    });

    it('lets only a system administrator replace the system allowlist, and answers what was stored', async () => {
      const body = { items: [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'GHSA-c2qf-rxjj-qqgw' }, { cve_id: 'CVE-2021-44906' }], expires_at: 4_102_444_800 };
      await expectError(await api(url, 'PUT', '/system/CVEAllowlist', { authorization: alice.auth, body }), 403);
      await expectJson(await api(url, 'PUT', '/system/CVEAllowlist', { body }), 200);
      const list = await expectJson<Allowlist>(await api(url, 'GET', '/system/CVEAllowlist', { authorization: alice.auth }), 200);
      assert.deepEqual(list.items, [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'GHSA-c2qf-rxjj-qqgw' }]);
      assert.equal(list.expires_at, 4_102_444_800);
      assert.equal(list.project_id, 0);
      // A PUT replaces: no items and no expiry clear both.
      await expectJson(await api(url, 'PUT', '/system/CVEAllowlist', { body: { items: [] } }), 200);
      const cleared = await expectJson<Allowlist>(await api(url, 'GET', '/system/CVEAllowlist'), 200);
      assert.deepEqual(cleared.items, []);
      assert.equal(cleared.expires_at, null);
    });

    it('refuses malformed allowlists with 400 and keeps the stored one', async () => {
      await expectJson(await api(url, 'PUT', '/system/CVEAllowlist', { body: { items: [{ cve_id: 'CVE-2020-1234' }] } }), 200);
      const refused: unknown[] = [
        { items: [{ cve_id: 'not an id' }] },
        { items: [{ cve_id: 'CVE-20-1' }] },
        { items: [{ cve_id: '' }] },
        { items: [{ cve_id: `GHSA-${'x'.repeat(100)}` }] },
        { items: Array.from({ length: 10_001 }, (_, i) => ({ cve_id: `CVE-2020-${10_000 + i}` })) },
        { items: [{ cve_id: 7 }] },
        { items: [], expires_at: -1 },
        { items: [], expires_at: 1.5 },
        { items: 'CVE-2020-1234' },
      ];
      for (const body of refused) {
        await expectError(await api(url, 'PUT', '/system/CVEAllowlist', { body }), 400);
      }
      const list = await expectJson<Allowlist>(await api(url, 'GET', '/system/CVEAllowlist'), 200);
      assert.deepEqual(list.items, [{ cve_id: 'CVE-2020-1234' }]);
      // The most Harbor allows is accepted.
      const many = Array.from({ length: 10_000 }, (_, i) => ({ cve_id: `CVE-2020-${10_000 + i}` }));
      await expectJson(await api(url, 'PUT', '/system/CVEAllowlist', { body: { items: many } }), 200);
      assert.equal((await expectJson<Allowlist>(await api(url, 'GET', '/system/CVEAllowlist'), 200)).items.length, 10_000);
    });

    it('stores a project allowlist given at creation and on update, and answers it with the project', async () => {
      await expectJson(
        await api(url, 'POST', '/projects', {
          body: {
            project_name: 'listed',
            metadata: { reuse_sys_cve_allowlist: 'false' },
            cve_allowlist: { items: [{ cve_id: 'CVE-2021-44906' }], expires_at: null },
          },
        }),
        201,
      );
      const created = await expectJson<{ project_id: number; cve_allowlist: Allowlist; metadata: Record<string, string> }>(
        await api(url, 'GET', '/projects/listed'),
        200,
      );
      assert.deepEqual(created.cve_allowlist.items, [{ cve_id: 'CVE-2021-44906' }]);
      assert.equal(created.cve_allowlist.project_id, created.project_id);
      assert.equal(created.cve_allowlist.expires_at, null);
      assert.equal(created.metadata.reuse_sys_cve_allowlist, 'false');

      await expectJson(
        await api(url, 'PUT', '/projects/listed', {
          body: { cve_allowlist: { items: [{ cve_id: 'CVE-2022-25883' }, { cve_id: 'GHSA-xvch-5gv4-984h' }], expires_at: 4_102_444_800 } },
        }),
        200,
      );
      const updated = await expectJson<{ cve_allowlist: Allowlist }>(await api(url, 'GET', '/projects/listed'), 200);
      assert.deepEqual(updated.cve_allowlist.items, [{ cve_id: 'CVE-2022-25883' }, { cve_id: 'GHSA-xvch-5gv4-984h' }]);
      assert.equal(updated.cve_allowlist.expires_at, 4_102_444_800);

      // An update without an allowlist keeps it; a bad one changes nothing.
      await expectJson(await api(url, 'PUT', '/projects/listed', { body: { metadata: { auto_scan: 'true' } } }), 200);
      await expectError(
        await api(url, 'PUT', '/projects/listed', { body: { metadata: { prevent_vul: 'true' }, cve_allowlist: { items: [{ cve_id: 'bogus id' }] } } }),
        400,
      );
      const kept = await expectJson<{ cve_allowlist: Allowlist; metadata: Record<string, string> }>(await api(url, 'GET', '/projects/listed'), 200);
      assert.equal(kept.cve_allowlist.items.length, 2);
      assert.equal(kept.metadata.prevent_vul, undefined);

      // The listing carries each project's own list too.
      const listed = await expectJson<Array<{ name: string; cve_allowlist: Allowlist }>>(await api(url, 'GET', '/projects?name=listed'), 200);
      assert.equal(listed.find((p) => p.name === 'listed')?.cve_allowlist.items.length, 2);
      await expectError(await api(url, 'POST', '/projects', { body: { project_name: 'badlist', cve_allowlist: { items: [{ cve_id: 'nope' }] } } }), 400);
      await expectError(await api(url, 'GET', '/projects/badlist'), 404);
    });

    it('lets only those who may update the project change its allowlist, and drops it with the project', async () => {
      await newProject(url, 'owned', { authorization: alice.auth });
      // A developer may read the project, not change it.
      const bob = await addUser(server, 'bob');
      await addMember(url, 'owned', 'bob', 2, alice.auth);
      await expectError(
        await api(url, 'PUT', '/projects/owned', { authorization: bob.auth, body: { cve_allowlist: { items: [{ cve_id: 'CVE-2021-44906' }] } } }),
        403,
      );
      await expectJson(
        await api(url, 'PUT', '/projects/owned', { authorization: alice.auth, body: { cve_allowlist: { items: [{ cve_id: 'CVE-2021-44906' }] } } }),
        200,
      );
      const project = await expectJson<{ project_id: number }>(await api(url, 'GET', '/projects/owned'), 200);
      await expectJson(await api(url, 'DELETE', '/projects/owned', { authorization: alice.auth }), 200);
      const rows = await server.database.db.selectFrom('cve_allowlists').select('id').where('project_id', '=', project.project_id).execute();
      assert.equal(rows.length, 0);
    });
  });
}
