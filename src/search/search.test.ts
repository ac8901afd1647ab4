import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, ROLE_IDS, createUser } from '../auth/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

interface SearchResult {
  project: Array<{ name: string }>;
  repository: Array<{ repository_name: string; project_public: boolean; artifact_count: number }>;
}

for (const dialect of testDialects()) {
  describe(`GET /search (${dialect.name})`, () => {
    let server: TestServer;
    const password = 'Search-passw0rd';

    before(async () => {
      server = await startTestServer(dialect);
      const db = server.database.db;
      const member = await createUser(db, { username: 'member', passwordHash: await hashPassword(password), sysadmin: false, now: Date.now() });
      await createUser(db, { username: 'stranger', passwordHash: await hashPassword(password), sysadmin: false, now: Date.now() });
      const secret = await createProject(db, { name: 'secretstuff', ownerId: 1, public: false, now: Date.now() - 120_000 });
      await createProject(db, { name: 'openstuff', ownerId: 1, public: true, now: Date.now() - 120_000 });
      await db
        .insertInto('project_members')
        .values({ project_id: secret.id, entity_type: 'u', entity_id: member.id, role: ROLE_IDS.guest, repository_patterns: null, created_at: 1, updated_at: 1 })
        .execute();
      const admin = new TestClient(server.url);
      await admin.pushImage('secretstuff/stuffapp', 'v1');
      await admin.pushImage('openstuff/stuffapp', 'v1');
    });
    after(() => server.close());

    async function search(authorization: string | null): Promise<SearchResult> {
      return expectJson<SearchResult>(await api(server.url, 'GET', '/search?q=stuff', { authorization }), 200);
    }

    it('shows a member the private project and its repositories', async () => {
      const result = await search(basic('member', password));
      assert.deepEqual(
        result.project.map((p) => p.name),
        ['openstuff', 'secretstuff'],
      );
      assert.deepEqual(
        result.repository.map((r) => r.repository_name),
        ['openstuff/stuffapp', 'secretstuff/stuffapp'],
      );
    });

    it('never shows a private name to a non-member or an anonymous caller', async () => {
      for (const authorization of [basic('stranger', password), null]) {
        const result = await search(authorization);
        assert.deepEqual(
          result.project.map((p) => p.name),
          ['openstuff'],
        );
        assert.deepEqual(
          result.repository.map((r) => r.repository_name),
          ['openstuff/stuffapp'],
        );
      }
    });

    it('rejects an empty query', async () => {
      assert.equal((await api(server.url, 'GET', '/search?q=')).status, 400);
    });
  });
}
