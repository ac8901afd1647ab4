import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, ROLE_IDS, type Role, createUser } from '../auth/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { labelsOfArtifacts, type LabelJson } from './index.js';

const PASSWORD = 'Passw0rd-for-tests';
const LABEL_KEYS = ['color', 'creation_time', 'description', 'id', 'name', 'project_id', 'scope', 'update_time'];

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

for (const dialect of testDialects()) {
  describe(`labels API (${dialect.name})`, () => {
    let server: TestServer;
    let privId: number;
    let otherId: number;
    const as: Record<'maintainer' | 'developer' | 'guest' | 'outsider', string> = {
      maintainer: basic('maint', PASSWORD),
      developer: basic('dev', PASSWORD),
      guest: basic('guesty', PASSWORD),
      outsider: basic('outsider', PASSWORD),
    };

    before(async () => {
      server = await startTestServer(dialect);
      const db = server.database.db;
      const hash = await hashPassword(PASSWORD);
      const now = Date.now();
      const owner = await createUser(db, { username: 'owner', passwordHash: hash, sysadmin: false, now });
      privId = (await createProject(db, { name: 'priv', ownerId: owner.id, public: false, now })).id;
      otherId = (await createProject(db, { name: 'other', ownerId: owner.id, public: false, now })).id;
      const members: Array<[string, Role]> = [
        ['maint', 'maintainer'],
        ['dev', 'developer'],
        ['guesty', 'guest'],
      ];
      for (const [username, role] of members) {
        const user = await createUser(db, { username, passwordHash: hash, sysadmin: false, now });
        await db
          .insertInto('project_members')
          .values({ project_id: privId, entity_type: 'u', entity_id: user.id, role: ROLE_IDS[role], repository_patterns: null, created_at: now, updated_at: now })
          .execute();
      }
      await createUser(db, { username: 'outsider', passwordHash: hash, sysadmin: false, now });
    });
    after(() => server.close());

    const call = (method: string, path: string, options: { authorization?: string | null; body?: unknown } = {}) => api(server.url, method, path, options);
    const errorOf = async (res: Response, status: number) => (await expectJson<ErrorBody>(res, status)).errors[0]!;
    const labelCount = async () =>
      Number(
        (
          await server.database.db
            .selectFrom('labels')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    describe('global labels', () => {
      it('are created, read, listed, updated and deleted by a system admin, with audit entries', async () => {
        const res = await call('POST', '/labels', { body: { name: 'prod', description: 'production', color: '#61717D', scope: 'g' } });
        const created = await expectJson<LabelJson>(res, 201);
        assert.deepEqual(Object.keys(created).sort(), LABEL_KEYS);
        assert.equal(res.headers.get('location'), `/api/v2.0/labels/${created.id}`);
        assert.equal(created.project_id, 0);
        assert.equal(created.scope, 'g');
        assert.ok(!Number.isNaN(Date.parse(created.creation_time)));

        const got = await expectJson<LabelJson>(await call('GET', `/labels/${created.id}`), 200);
        assert.deepEqual(got, created);

        await expectJson(await call('PUT', `/labels/${created.id}`, { body: { name: 'production', color: '' } }), 200);
        const updated = await expectJson<LabelJson>(await call('GET', `/labels/${created.id}`), 200);
        assert.equal(updated.name, 'production');
        assert.equal(updated.color, '');
        assert.equal(updated.description, 'production');

        const listRes = await call('GET', '/labels?scope=g&name=RODUC', { authorization: as.outsider });
        const listed = await expectJson<LabelJson[]>(listRes, 200);
        assert.deepEqual(
          listed.map((l) => l.id),
          [created.id],
        );
        assert.equal(listRes.headers.get('x-total-count'), '1');

        await expectJson(await call('DELETE', `/labels/${created.id}`), 200);
        await errorOf(await call('GET', `/labels/${created.id}`), 404);

        const audits = await server.database.db
          .selectFrom('audit_logs')
          .select(['operation', 'resource'])
          .where('resource_type', '=', 'label')
          .orderBy('id')
          .execute();
        assert.deepEqual(audits, [
          { operation: 'create', resource: 'prod' },
          { operation: 'update', resource: 'production' },
          { operation: 'delete', resource: 'production' },
        ]);
      });

      it('pages the list with X-Total-Count and Link', async () => {
        for (const name of ['page-a', 'page-b', 'page-c']) await expectJson(await call('POST', '/labels', { body: { name, scope: 'g' } }), 201);
        const res = await call('GET', '/labels?scope=g&name=page-&page=1&page_size=2');
        assert.deepEqual(
          (await expectJson<LabelJson[]>(res, 200)).map((l) => l.name),
          ['page-a', 'page-b'],
        );
        assert.equal(res.headers.get('x-total-count'), '3');
        assert.match(res.headers.get('link') ?? '', /page=2/);
      });

      it('may not be created, read, changed or deleted by a non-admin', async () => {
        const before = await labelCount();
        await errorOf(await call('POST', '/labels', { authorization: as.maintainer, body: { name: 'nope', scope: 'g' } }), 403);
        await errorOf(await call('POST', '/labels', { authorization: null, body: { name: 'nope', scope: 'g' } }), 401);
        assert.equal(await labelCount(), before);
        const label = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'admin-only', scope: 'g' } }), 201);
        await errorOf(await call('PUT', `/labels/${label.id}`, { authorization: as.maintainer, body: { name: 'x' } }), 403);
        await errorOf(await call('DELETE', `/labels/${label.id}`, { authorization: as.maintainer }), 403);
        assert.equal((await expectJson<LabelJson>(await call('GET', `/labels/${label.id}`), 200)).name, 'admin-only');
      });

      it('may be created by a system robot granted label:create, and by no other robot', async () => {
        const robot = async (name: string, resource: string) =>
          expectJson<{ name: string; secret: string }>(
            await call('POST', '/robots', {
              body: { name, level: 'system', duration: -1, permissions: [{ kind: 'system', namespace: '/', access: [{ resource, action: 'create' }] }] },
            }),
            201,
          );
        const labeller = await robot('labeller', 'label');
        const created = await expectJson<LabelJson>(
          await call('POST', '/labels', { authorization: basic(labeller.name, labeller.secret), body: { name: 'by-robot', scope: 'g' } }),
          201,
        );
        assert.equal(created.scope, 'g');
        const other = await robot('projector', 'project');
        await errorOf(await call('POST', '/labels', { authorization: basic(other.name, other.secret), body: { name: 'by-other-robot', scope: 'g' } }), 403);
      });

      it('refuses anonymous listing', async () => {
        await errorOf(await call('GET', '/labels?scope=g', { authorization: null }), 401);
      });
    });

    describe('validation', () => {
      const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ['a bad color', { name: 'c1', color: 'red', scope: 'g' }, /color/],
        ['a short color', { name: 'c2', color: '#fff', scope: 'g' }, /color/],
        ['a name over 128 characters', { name: 'n'.repeat(129), scope: 'g' }, /name/],
        ['an empty name', { name: '', scope: 'g' }, /name/],
        ['a name with surrounding spaces', { name: ' spaced ', scope: 'g' }, /name/],
        ['a missing scope', { name: 'noscope' }, /scope/],
        ['an unknown scope', { name: 'badscope', scope: 'x' }, /scope/],
        ['a project label without project_id', { name: 'noproject', scope: 'p' }, /project_id/],
      ];
      for (const [what, body, message] of cases) {
        it(`refuses ${what} with 400`, async () => {
          const before = await labelCount();
          const error = await errorOf(await call('POST', '/labels', { body }), 400);
          assert.equal(error.code, 'BAD_REQUEST');
          assert.match(error.message, message);
          assert.equal(await labelCount(), before);
        });
      }

      it('accepts a 128-character name and refuses a duplicate in the same scope with 409', async () => {
        const name = 'd'.repeat(128);
        await expectJson(await call('POST', '/labels', { body: { name, scope: 'g' } }), 201);
        const error = await errorOf(await call('POST', '/labels', { body: { name, scope: 'g' } }), 409);
        assert.equal(error.code, 'CONFLICT');
        // The same name is free in a project.
        await expectJson(await call('POST', '/labels', { body: { name, scope: 'p', project_id: privId } }), 201);
      });

      it('refuses renaming onto a taken name with 409', async () => {
        await expectJson(await call('POST', '/labels', { body: { name: 'taken', scope: 'g' } }), 201);
        const label = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'free', scope: 'g' } }), 201);
        await errorOf(await call('PUT', `/labels/${label.id}`, { body: { name: 'taken' } }), 409);
        await errorOf(await call('PUT', `/labels/${label.id}`, { body: { color: 'blue' } }), 400);
        assert.equal((await expectJson<LabelJson>(await call('GET', `/labels/${label.id}`), 200)).name, 'free');
      });

      it('answers 400 for a missing or invalid list scope, 404 for unknown ids', async () => {
        await errorOf(await call('GET', '/labels'), 400);
        await errorOf(await call('GET', '/labels?scope=z'), 400);
        await errorOf(await call('GET', '/labels?scope=p'), 400);
        await errorOf(await call('GET', '/labels/999999'), 404);
        await errorOf(await call('PUT', '/labels/999999', { body: { name: 'x' } }), 404);
        await errorOf(await call('DELETE', '/labels/999999'), 404);
        await errorOf(await call('GET', '/labels/abc'), 400);
      });
    });

    describe('project labels', () => {
      it('are managed by a maintainer and listed by a guest', async () => {
        const res = await call('POST', '/labels', { authorization: as.maintainer, body: { name: 'team', color: '#00FF00', scope: 'p', project_id: privId } });
        const label = await expectJson<LabelJson>(res, 201);
        assert.equal(label.scope, 'p');
        assert.equal(label.project_id, privId);

        const listed = await expectJson<LabelJson[]>(await call('GET', `/labels?scope=p&project_id=${privId}&name=tea`, { authorization: as.guest }), 200);
        assert.deepEqual(
          listed.map((l) => l.id),
          [label.id],
        );
        assert.deepEqual(await expectJson<LabelJson>(await call('GET', `/labels/${label.id}`, { authorization: as.guest }), 200), label);

        await expectJson(await call('PUT', `/labels/${label.id}`, { authorization: as.maintainer, body: { description: 'the team' } }), 200);
        assert.equal((await expectJson<LabelJson>(await call('GET', `/labels/${label.id}`, { authorization: as.maintainer }), 200)).description, 'the team');
        await expectJson(await call('DELETE', `/labels/${label.id}`, { authorization: as.maintainer }), 200);
        await errorOf(await call('GET', `/labels/${label.id}`), 404);
      });

      it('refuses a developer (403), hides the project from non-members (404) and anonymous callers (401)', async () => {
        const before = await labelCount();
        await errorOf(await call('POST', '/labels', { authorization: as.developer, body: { name: 'dev-label', scope: 'p', project_id: privId } }), 403);
        await errorOf(await call('POST', '/labels', { authorization: as.guest, body: { name: 'guest-label', scope: 'p', project_id: privId } }), 403);
        await errorOf(await call('POST', '/labels', { authorization: as.outsider, body: { name: 'out-label', scope: 'p', project_id: privId } }), 404);
        await errorOf(await call('POST', '/labels', { authorization: null, body: { name: 'anon-label', scope: 'p', project_id: privId } }), 401);
        assert.equal(await labelCount(), before);

        const label = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'secret', scope: 'p', project_id: privId } }), 201);
        await errorOf(await call('GET', `/labels?scope=p&project_id=${privId}`, { authorization: as.outsider }), 404);
        await errorOf(await call('GET', `/labels?scope=p&project_id=${privId}`, { authorization: null }), 401);
        await errorOf(await call('GET', `/labels/${label.id}`, { authorization: as.outsider }), 404);
        await errorOf(await call('GET', `/labels/${label.id}`, { authorization: null }), 401);
        await errorOf(await call('PUT', `/labels/${label.id}`, { authorization: as.developer, body: { name: 'x' } }), 403);
        await errorOf(await call('DELETE', `/labels/${label.id}`, { authorization: as.guest }), 403);
        await errorOf(await call('DELETE', `/labels/${label.id}`, { authorization: as.outsider }), 404);
        assert.equal((await expectJson<LabelJson>(await call('GET', `/labels/${label.id}`), 200)).name, 'secret');
      });

      it('answers 404 for a project that does not exist', async () => {
        await errorOf(await call('POST', '/labels', { body: { name: 'ghost', scope: 'p', project_id: 999999 } }), 404);
      });
    });

    describe('labels on artifacts', () => {
      let admin: TestClient;
      let digest: string;
      let privDigest: string;
      let global: LabelJson;
      let library: LabelJson;
      let foreign: LabelJson;
      let privLabel: LabelJson;
      const ENCODED = '/projects/library/repositories/team%252Fapp/artifacts';

      before(async () => {
        admin = new TestClient(server.url);
        digest = (await admin.pushImage('library/team/app', 'v1')).digest;
        privDigest = (await admin.pushImage('priv/app', 'v1')).digest;
        global = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'on-artifacts', scope: 'g' } }), 201);
        const libraryId = (await server.database.db.selectFrom('projects').select('id').where('name', '=', 'library').executeTakeFirstOrThrow()).id;
        library = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'lib', scope: 'p', project_id: libraryId } }), 201);
        foreign = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'foreign', scope: 'p', project_id: otherId } }), 201);
        privLabel = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'priv-label', scope: 'p', project_id: privId } }), 201);
      });

      const artifactId = async (repository: string, artifactDigest: string) =>
        (
          await server.database.db
            .selectFrom('artifacts')
            .innerJoin('repositories', 'repositories.id', 'artifacts.repository_id')
            .select('artifacts.id')
            .where('repositories.name', '=', repository)
            .where('artifacts.digest', '=', artifactDigest)
            .executeTakeFirstOrThrow()
        ).id;

      it('adds by tag and by digest through a double-encoded repository name, and removes', async () => {
        await expectJson(await call('POST', `${ENCODED}/v1/labels`, { body: { id: global.id } }), 200);
        await expectJson(await call('POST', `${ENCODED}/${digest}/labels`, { body: { id: library.id } }), 200);
        const id = await artifactId('library/team/app', digest);
        const map = await labelsOfArtifacts(server.database.db, [id]);
        assert.deepEqual(
          map.get(id)?.map((l) => l.name),
          ['on-artifacts', 'lib'],
        );
        assert.deepEqual(Object.keys(map.get(id)![0]!).sort(), LABEL_KEYS);

        const conflict = await errorOf(await call('POST', `${ENCODED}/${digest}/labels`, { body: { id: global.id } }), 409);
        assert.equal(conflict.code, 'CONFLICT');

        await expectJson(await call('DELETE', `${ENCODED}/v1/labels/${library.id}`), 200);
        await errorOf(await call('DELETE', `${ENCODED}/v1/labels/${library.id}`), 404);
        assert.deepEqual(
          (await labelsOfArtifacts(server.database.db, [id])).get(id)?.map((l) => l.name),
          ['on-artifacts'],
        );
      });

      it('refuses a label of another project (400), unknown labels, artifacts and repositories (404)', async () => {
        const error = await errorOf(await call('POST', `${ENCODED}/v1/labels`, { body: { id: foreign.id } }), 400);
        assert.match(error.message, /another project/);
        await errorOf(await call('POST', `${ENCODED}/v1/labels`, { body: { id: 999999 } }), 404);
        await errorOf(await call('POST', `${ENCODED}/v1/labels`, { body: {} }), 400);
        await errorOf(await call('POST', `${ENCODED}/nope/labels`, { body: { id: global.id } }), 404);
        await errorOf(await call('POST', '/projects/library/repositories/missing/artifacts/v1/labels', { body: { id: global.id } }), 404);
        await errorOf(await call('POST', '/projects/nowhere/repositories/app/artifacts/v1/labels', { body: { id: global.id } }), 404);
        const id = await artifactId('library/team/app', digest);
        assert.deepEqual(
          (await labelsOfArtifacts(server.database.db, [id])).get(id)?.map((l) => l.name),
          ['on-artifacts'],
        );
      });

      it('lets a developer label artifacts, but not a guest, an outsider or an anonymous caller', async () => {
        const path = '/projects/priv/repositories/app/artifacts/v1/labels';
        await errorOf(await call('POST', path, { authorization: as.guest, body: { id: privLabel.id } }), 403);
        await errorOf(await call('POST', path, { authorization: as.outsider, body: { id: privLabel.id } }), 404);
        await errorOf(await call('POST', path, { authorization: null, body: { id: privLabel.id } }), 401);
        const id = await artifactId('priv/app', privDigest);
        assert.equal((await labelsOfArtifacts(server.database.db, [id])).get(id), undefined);

        await expectJson(await call('POST', path, { authorization: as.developer, body: { id: privLabel.id } }), 200);
        await errorOf(await call('DELETE', `${path}/${privLabel.id}`, { authorization: as.guest }), 403);
        assert.deepEqual(
          (await labelsOfArtifacts(server.database.db, [id])).get(id)?.map((l) => l.id),
          [privLabel.id],
        );
        await expectJson(await call('DELETE', `${path}/${privLabel.id}`, { authorization: as.developer }), 200);
      });

      it('detaches a deleted label from every artifact', async () => {
        const label = await expectJson<LabelJson>(await call('POST', '/labels', { body: { name: 'short-lived', scope: 'g' } }), 201);
        await expectJson(await call('POST', `${ENCODED}/v1/labels`, { body: { id: label.id } }), 200);
        await expectJson(await call('POST', '/projects/priv/repositories/app/artifacts/v1/labels', { body: { id: label.id } }), 200);
        await expectJson(await call('DELETE', `/labels/${label.id}`), 200);
        const left = await server.database.db.selectFrom('artifact_labels').select('artifact_id').where('label_id', '=', label.id).execute();
        assert.deepEqual(left, []);
        const ids = [await artifactId('library/team/app', digest), await artifactId('priv/app', privDigest)];
        const map = await labelsOfArtifacts(server.database.db, ids);
        assert.ok(![...map.values()].flat().some((l) => l.id === label.id));
      });
    });
  });
}
