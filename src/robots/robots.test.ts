import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Project } from '../platform/db/index.js';
import { api, expectJson } from '../testing/api.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { addMember, addProject, addUser, createRobot, errorMessage, projectRobot, PULL, PUSH } from './fixtures.suite.js';
import type { PermissionsJson, RobotJson } from './schema.js';

for (const dialect of testDialects()) {
  describe(`robot accounts API (${dialect.name})`, () => {
    let server: TestServer;
    let alpha: Project;
    let beta: Project;
    let gamma: Project;
    // alice: projectAdmin of alpha; dave: developer of alpha; bob: projectAdmin of beta;
    // nina: projectAdmin of gamma narrowed to team-a/**; carol: member of nothing.
    let alice: string;
    let dave: string;
    let bob: string;
    let nina: string;
    let carol: string;

    const robotCount = async () =>
      Number(
        (
          await server.database.db
            .selectFrom('robots')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const list = async (query: string, authorization?: string) => {
      const res = await api(server.url, 'GET', `/robots${query}`, { authorization });
      const total = res.headers.get('x-total-count');
      return { robots: await expectJson<RobotJson[]>(res, 200), total: Number(total) };
    };

    before(async () => {
      server = await startTestServer(dialect);
      [alpha, beta, gamma] = [await addProject(server, 'alpha'), await addProject(server, 'beta'), await addProject(server, 'gamma')];
      alice = await addUser(server, 'alice');
      dave = await addUser(server, 'dave');
      bob = await addUser(server, 'bob');
      nina = await addUser(server, 'nina');
      carol = await addUser(server, 'carol');
      await addMember(server, alpha, 'alice', 'projectAdmin');
      await addMember(server, alpha, 'dave', 'developer');
      await addMember(server, beta, 'bob', 'projectAdmin');
      await addMember(server, gamma, 'nina', 'projectAdmin', ['team-a/**']);
    });
    after(() => server.close());

    describe('POST /robots', () => {
      it('creates a system robot with system and project permissions, showing the secret once', async () => {
        const before = Date.now();
        const res = await api(server.url, 'POST', '/robots', {
          body: {
            name: 'ops',
            description: 'operations',
            level: 'system',
            duration: 0,
            permissions: [
              {
                kind: 'system',
                namespace: '/',
                access: [
                  { resource: 'robot', action: 'list' },
                  { resource: 'user', action: 'read' },
                ],
              },
              { kind: 'project', namespace: '*', access: [PULL] },
              { kind: 'project', namespace: 'beta', access: [PUSH], repository_patterns: ['team-a/**'] },
            ],
          },
        });
        const created = await expectJson<{ id: number; name: string; secret: string; creation_time: string; expires_at: number }>(res, 201);
        assert.deepEqual(Object.keys(created).sort(), ['creation_time', 'expires_at', 'id', 'name', 'secret']);
        assert.equal(created.name, 'robot$ops');
        assert.match(created.secret, /^[A-Za-z0-9]{32}$/);
        assert.match(created.secret, /[a-z]/);
        assert.match(created.secret, /[A-Z]/);
        assert.match(created.secret, /[0-9]/);
        assert.equal(res.headers.get('location'), `/api/v2.0/robots/${created.id}`);
        const thirtyDays = 30 * 86_400;
        assert.ok(created.expires_at >= Math.floor(before / 1000) + thirtyDays - 1 && created.expires_at <= Math.floor(Date.now() / 1000) + thirtyDays);
        assert.ok(Date.parse(created.creation_time) >= before - 1000);

        const robot = await expectJson<RobotJson & { secret?: string }>(await api(server.url, 'GET', `/robots/${created.id}`), 200);
        assert.equal(robot.secret, undefined);
        assert.equal(robot.name, 'robot$ops');
        assert.equal(robot.description, 'operations');
        assert.equal(robot.level, 'system');
        assert.equal(robot.duration, 30);
        assert.equal(robot.disable, false);
        assert.equal(robot.editable, true);
        assert.equal(robot.expires_at, created.expires_at);
        assert.equal(robot.creator_type, 'local');
        assert.equal(typeof robot.creator_ref, 'number');
        assert.equal(robot.creation_time, created.creation_time);
        assert.deepEqual(robot.permissions, [
          {
            kind: 'system',
            namespace: '/',
            access: [
              { resource: 'robot', action: 'list', effect: 'allow' },
              { resource: 'user', action: 'read', effect: 'allow' },
            ],
          },
          { kind: 'project', namespace: '*', access: [{ ...PULL, effect: 'allow' }] },
          { kind: 'project', namespace: 'beta', access: [{ ...PUSH, effect: 'allow' }], repository_patterns: ['team-a/**'] },
        ]);
      });

      it('lets a project admin create a robot in their project, named robot$<project>+<name>', async () => {
        const created = await createRobot(server, projectRobot('ci', 'alpha', [PULL, PUSH]), alice);
        assert.equal(created.name, 'robot$alpha+ci');
        assert.equal(created.expires_at, -1);
        const robot = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${created.id}`, { authorization: alice }), 200);
        assert.equal(robot.level, 'project');
        assert.equal(robot.duration, -1);
        assert.deepEqual(robot.permissions[0]!.namespace, 'alpha');
      });

      it('refuses an access item outside the robot catalogue with 400 naming it, storing nothing', async () => {
        const count = await robotCount();
        const project = await errorMessage(
          await api(server.url, 'POST', '/robots', { body: projectRobot('bad1', 'alpha', [PULL, { resource: 'repository', action: 'create' }]) }),
          400,
        );
        assert.match(project, /permissions\.0\.access\.1/);
        assert.match(project, /repository:create/);
        const system = await errorMessage(
          await api(server.url, 'POST', '/robots', {
            body: { name: 'bad2', level: 'system', permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'configuration', action: 'update' }] }] },
          }),
          400,
        );
        assert.match(system, /configuration:update/);
        const unknown = await errorMessage(
          await api(server.url, 'POST', '/robots', { body: projectRobot('bad3', 'alpha', [{ resource: 'repository', action: 'fly' }]) }),
          400,
        );
        assert.match(unknown, /repository:fly/);
        assert.equal(await robotCount(), count);
      });

      it('refuses malformed bodies with 400 naming the field', async () => {
        const cases: Array<[Record<string, unknown>, RegExp]> = [
          [projectRobot('Bad Name', 'alpha', [PULL]), /\bname:/],
          [projectRobot('a+b', 'alpha', [PULL]), /\bname:/],
          [projectRobot('', 'alpha', [PULL]), /\bname:/],
          [projectRobot('x'.repeat(256), 'alpha', [PULL]), /\bname:/],
          [{ name: 'nolevel', permissions: [] }, /\blevel\b/],
          [{ name: 'noperms', level: 'system' }, /\bpermissions\b/],
          [projectRobot('baddur', 'alpha', [PULL], { duration: -2 }), /\bduration:/],
          [projectRobot('fracdur', 'alpha', [PULL], { duration: 1.5 }), /\bduration:/],
          [projectRobot('badeffect', 'alpha', [{ ...PULL, effect: 'maybe' }]), /\bpermissions\.0\.access\.0\.effect:/],
          [
            { name: 'badpattern', level: 'project', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL], repository_patterns: ['/abs'] }] },
            /repository_patterns\.0/,
          ],
          [
            {
              name: 'twoperms',
              level: 'project',
              permissions: [
                { kind: 'project', namespace: 'alpha', access: [PULL] },
                { kind: 'project', namespace: 'beta', access: [PULL] },
              ],
            },
            /exactly one/,
          ],
          [{ name: 'projsys', level: 'project', permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'robot', action: 'list' }] }] }, /system/],
          [{ name: 'star', level: 'project', permissions: [{ kind: 'project', namespace: '*', access: [PULL] }] }, /namespace/],
          [{ name: 'sysns', level: 'system', permissions: [{ kind: 'system', namespace: 'alpha', access: [{ resource: 'robot', action: 'list' }] }] }, /namespace/],
          [
            {
              name: 'dupns',
              level: 'system',
              permissions: [
                { kind: 'project', namespace: 'alpha', access: [PULL] },
                { kind: 'project', namespace: 'alpha', access: [PUSH] },
              ],
            },
            /more than once/,
          ],
          [
            {
              name: 'syspat',
              level: 'system',
              permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'robot', action: 'list' }], repository_patterns: ['a'] }],
            },
            /repository_patterns/,
          ],
          [
            { name: 'emptypat', level: 'project', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL], repository_patterns: [] }] },
            /repository_patterns/,
          ],
          [projectRobot('weak', 'alpha', [PULL], { secret: 'short' }), /\bsecret:/],
        ];
        const count = await robotCount();
        for (const [body, message] of cases) {
          const res = await api(server.url, 'POST', '/robots', { body });
          assert.match(await errorMessage(res, 400), message, JSON.stringify(body));
        }
        assert.equal((await api(server.url, 'POST', '/robots', { body: 'not json', headers: { 'content-type': 'application/json' } })).status, 400);
        assert.equal(await robotCount(), count);
      });

      it('answers 409 to a duplicate full name, 404 to an unknown project', async () => {
        await createRobot(server, projectRobot('dup', 'alpha', [PULL]));
        const res = await api(server.url, 'POST', '/robots', { body: projectRobot('dup', 'alpha', [PUSH]) });
        assert.equal((await expectJson<{ errors: Array<{ code: string }> }>(res, 409)).errors[0]!.code, 'CONFLICT');
        // The same short name in another project or at system level is another robot.
        await createRobot(server, projectRobot('dup', 'beta', [PULL]));
        await createRobot(server, { name: 'dup', level: 'system', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }] });
        assert.equal((await api(server.url, 'POST', '/robots', { body: projectRobot('ghost', 'nowhere', [PULL]) })).status, 404);
        assert.equal(
          (
            await api(server.url, 'POST', '/robots', {
              body: { name: 'ghost', level: 'system', permissions: [{ kind: 'project', namespace: 'nowhere', access: [PULL] }] },
            })
          ).status,
          404,
        );
      });

      it('refuses callers without robot:create: other projects 404, developers 403, system robots 403, anonymous 401', async () => {
        const count = await robotCount();
        assert.equal((await api(server.url, 'POST', '/robots', { body: projectRobot('x1', 'beta', [PULL]), authorization: alice })).status, 404);
        assert.equal((await api(server.url, 'POST', '/robots', { body: projectRobot('x2', 'alpha', [PULL]), authorization: dave })).status, 403);
        assert.equal((await api(server.url, 'POST', '/robots', { body: projectRobot('x3', 'alpha', [PULL]), authorization: carol })).status, 404);
        const system = { name: 'x4', level: 'system', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }] };
        assert.equal((await api(server.url, 'POST', '/robots', { body: system, authorization: alice })).status, 403);
        assert.equal((await api(server.url, 'POST', '/robots', { body: system, authorization: null })).status, 401);
        assert.equal(await robotCount(), count);
      });

      it('refuses to grant more than the caller holds', async () => {
        const count = await robotCount();
        // metadata:list is in the robot catalogue but no project role holds it.
        const message = await errorMessage(
          await api(server.url, 'POST', '/robots', { body: projectRobot('more', 'alpha', [PULL, { resource: 'metadata', action: 'list' }]), authorization: alice }),
          403,
        );
        assert.match(message, /metadata:list/);
        // nina administers gamma for team-a/** only: a robot reaching all of gamma is more than that.
        assert.match(
          await errorMessage(await api(server.url, 'POST', '/robots', { body: projectRobot('wide', 'gamma', [PUSH]), authorization: nina }), 403),
          /repositor/,
        );
        const wider = projectRobot('wider', 'gamma', [PUSH]);
        (wider.permissions as Array<Record<string, unknown>>)[0]!.repository_patterns = ['team-b/**'];
        assert.equal((await api(server.url, 'POST', '/robots', { body: wider, authorization: nina })).status, 403);
        assert.equal(await robotCount(), count);
        // Within her repositories she may, and resources outside repositories are hers in full.
        const narrow = projectRobot('narrow', 'gamma', [PUSH, { resource: 'label', action: 'create' }]);
        (narrow.permissions as Array<Record<string, unknown>>)[0]!.repository_patterns = ['team-a/app', 'team-a/tools/**'];
        assert.equal((await createRobot(server, narrow, nina)).name, 'robot$gamma+narrow');
      });

      it('lets a system robot holding robot:create create robots, but only with what it holds', async () => {
        const maker = await createRobot(server, {
          name: 'maker',
          level: 'system',
          permissions: [
            {
              kind: 'system',
              namespace: '/',
              access: [
                { resource: 'robot', action: 'create' },
                { resource: 'robot', action: 'list' },
              ],
            },
            { kind: 'project', namespace: 'alpha', access: [PUSH, { resource: 'robot', action: 'create' }] },
          ],
        });
        const auth = `Basic ${Buffer.from(`${maker.name}:${maker.secret}`).toString('base64')}`;
        const child = await createRobot(
          server,
          { name: 'child', level: 'system', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL, PUSH] }] },
          auth,
        );
        assert.equal(child.name, 'robot$child');
        const robot = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${child.id}`), 200);
        assert.equal(robot.creator_type, 'robot');
        assert.equal(robot.creator_ref, maker.id);
        assert.equal((await createRobot(server, projectRobot('kid', 'alpha', [PULL]), auth)).name, 'robot$alpha+kid');
        const refused = [
          { name: 'c1', level: 'system', permissions: [{ kind: 'project', namespace: 'beta', access: [PULL] }] },
          { name: 'c2', level: 'system', permissions: [{ kind: 'project', namespace: '*', access: [PULL] }] },
          { name: 'c3', level: 'system', permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'create' }] }] },
          { name: 'c4', level: 'system', permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'delete' }] }] },
        ];
        for (const body of refused) assert.equal((await api(server.url, 'POST', '/robots', { body, authorization: auth })).status, 403, body.name);
        assert.equal((await api(server.url, 'POST', '/robots', { body: projectRobot('c5', 'beta', [PULL]), authorization: auth })).status, 404);
      });
    });

    describe('GET /robots', () => {
      it('shows a system administrator every robot, with paging headers', async () => {
        const all = await list('?page_size=100');
        assert.equal(all.total, await robotCount());
        assert.equal(all.robots.length, all.total);
        assert.ok(all.robots.some((r) => r.level === 'system') && all.robots.some((r) => r.level === 'project'));
        assert.ok(all.robots.every((r) => !('secret' in r)));
        const page = await api(server.url, 'GET', '/robots?page=1&page_size=2');
        assert.equal((await expectJson<RobotJson[]>(page, 200)).length, 2);
        assert.match(page.headers.get('link') ?? '', /rel="next"/);
        const system = await list('?q=Level%3Dsystem&page_size=100');
        assert.ok(system.robots.length > 0 && system.robots.every((r) => r.level === 'system'));
        const inAlpha = await list(`?q=${encodeURIComponent(`Level=project,ProjectID=${alpha.id}`)}&page_size=100`);
        assert.ok(inAlpha.robots.length > 0 && inAlpha.robots.every((r) => r.name.startsWith('robot$alpha+')));
        const fuzzy = await list(`?q=${encodeURIComponent('name=~dup')}&page_size=100`);
        assert.deepEqual(fuzzy.robots.map((r) => r.name).sort(), ['robot$alpha+dup', 'robot$beta+dup', 'robot$dup']);
        const exact = await list(`?q=${encodeURIComponent('name=alpha+dup')}`);
        assert.deepEqual(
          exact.robots.map((r) => r.name),
          ['robot$alpha+dup'],
        );
        const sorted = await list('?sort=name&page_size=100');
        assert.deepEqual(
          sorted.robots.map((r) => r.name),
          [...sorted.robots.map((r) => r.name)].sort(),
        );
      });

      it('shows others only the project robots of projects where they hold robot:list', async () => {
        const mine = await list('?page_size=100', alice);
        assert.ok(mine.robots.length > 0);
        assert.ok(
          mine.robots.every((r) => r.level === 'project' && r.name.startsWith('robot$alpha+')),
          JSON.stringify(mine.robots.map((r) => r.name)),
        );
        assert.equal(mine.total, mine.robots.length);
        const developer = await list('?page_size=100', dave);
        assert.deepEqual(
          developer.robots.map((r) => r.id),
          mine.robots.map((r) => r.id),
        );
        assert.deepEqual(
          (await list('', bob)).robots.map((r) => r.name),
          ['robot$beta+dup'],
        );
        assert.deepEqual(await list('', carol), { robots: [], total: 0 });
        assert.equal((await api(server.url, 'GET', `/robots?q=${encodeURIComponent(`ProjectID=${beta.id}`)}`, { authorization: alice })).status, 404);
        assert.equal((await api(server.url, 'GET', '/robots?q=Level%3Dsystem', { authorization: alice })).status, 403);
        assert.equal((await api(server.url, 'GET', '/robots', { authorization: null })).status, 401);
        assert.equal((await api(server.url, 'GET', '/robots?q=color%3Dblue')).status, 400);
        assert.equal((await api(server.url, 'GET', '/robots?sort=secret')).status, 400);
      });

      it('reads one robot only with robot:read where it lives', async () => {
        const { robots } = await list(`?q=${encodeURIComponent('name=alpha+ci')}`);
        const id = robots[0]!.id;
        assert.equal((await api(server.url, 'GET', `/robots/${id}`, { authorization: dave })).status, 200);
        assert.equal((await api(server.url, 'GET', `/robots/${id}`, { authorization: bob })).status, 404);
        const system = (await list('?q=Level%3Dsystem')).robots[0]!;
        assert.equal((await api(server.url, 'GET', `/robots/${system.id}`, { authorization: alice })).status, 403);
        assert.equal((await api(server.url, 'GET', '/robots/999999')).status, 404);
        assert.equal((await api(server.url, 'GET', '/robots/abc')).status, 400);
      });
    });

    describe('PUT, PATCH and DELETE /robots/{id}', () => {
      it('updates description, duration, disable and permissions with the same rules', async () => {
        const created = await createRobot(server, projectRobot('editme', 'alpha', [PULL], { duration: 5 }), alice);
        const current = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${created.id}`), 200);
        const start = Date.now();
        const put = (body: unknown, authorization = alice) => api(server.url, 'PUT', `/robots/${created.id}`, { body, authorization });
        await expectJson(
          await put({
            ...current,
            description: 'edited',
            duration: 10,
            disable: true,
            permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL, PUSH] }],
          }),
          200,
        );
        const updated = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${created.id}`), 200);
        assert.equal(updated.description, 'edited');
        assert.equal(updated.duration, 10);
        assert.equal(updated.disable, true);
        assert.ok(updated.expires_at >= Math.floor(start / 1000) + 10 * 86_400 - 1);
        assert.deepEqual(
          updated.permissions[0]!.access.map((a) => a.action),
          ['pull', 'push'],
        );
        assert.ok(Date.parse(updated.update_time) >= Date.parse(current.update_time));

        assert.match(await errorMessage(await put({ ...updated, name: 'robot$renamed' }), 400), /^name:/);
        assert.match(await errorMessage(await put({ ...updated, level: 'system' }), 400), /^level:/);
        assert.match(
          await errorMessage(await put({ permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'create' }] }] }), 400),
          /repository:create/,
        );
        assert.match(await errorMessage(await put({ permissions: [{ kind: 'project', namespace: 'beta', access: [PULL] }] }), 400), /stays in its project/);
        assert.equal((await put({ permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'metadata', action: 'list' }] }] })).status, 403);
        assert.equal((await put({ description: 'no' }, dave)).status, 403);
        assert.equal((await put({ description: 'no' }, bob)).status, 404);
        assert.equal((await put({ duration: -5 })).status, 400);
        const unchanged = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${created.id}`), 200);
        assert.deepEqual(unchanged, updated);

        await expectJson(await put({ duration: -1, disable: false }), 200);
        const never = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${created.id}`), 200);
        assert.equal(never.expires_at, -1);
        assert.equal(never.disable, false);
        assert.equal(never.description, 'edited');
      });

      it('keeps grants an administrator gave when a project admin edits the robot', async () => {
        const created = await createRobot(server, projectRobot('given', 'alpha', [PULL, { resource: 'metadata', action: 'list' }]));
        const robot = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${created.id}`), 200);
        await expectJson(await api(server.url, 'PUT', `/robots/${created.id}`, { body: { ...robot, description: 'mine now' }, authorization: alice }), 200);
      });

      it('refreshes the secret with PATCH, generated or chosen, and only with robot:update', async () => {
        const created = await createRobot(server, projectRobot('rotating', 'alpha', [PULL]), alice);
        const generated = await expectJson<{ secret: string }>(await api(server.url, 'PATCH', `/robots/${created.id}`, { body: {}, authorization: alice }), 200);
        assert.deepEqual(Object.keys(generated), ['secret']);
        assert.match(generated.secret, /^[A-Za-z0-9]{32}$/);
        assert.notEqual(generated.secret, created.secret);
        const chosen = await expectJson<{ secret: string }>(await api(server.url, 'PATCH', `/robots/${created.id}`, { body: { secret: 'Chosen-Secret-123' } }), 200);
        assert.equal(chosen.secret, 'Chosen-Secret-123');
        assert.match(await errorMessage(await api(server.url, 'PATCH', `/robots/${created.id}`, { body: { secret: 'alllowercase1' } }), 400), /^secret:/);
        assert.equal((await api(server.url, 'PATCH', `/robots/${created.id}`, { body: {}, authorization: dave })).status, 403);
      });

      it('deletes with robot:delete, and audits every change', async () => {
        const created = await createRobot(server, projectRobot('doomed', 'alpha', [PULL]), alice);
        assert.equal((await api(server.url, 'DELETE', `/robots/${created.id}`, { authorization: dave })).status, 403);
        assert.equal((await api(server.url, 'DELETE', `/robots/${created.id}`, { authorization: bob })).status, 404);
        await expectJson(await api(server.url, 'DELETE', `/robots/${created.id}`, { authorization: alice }), 200);
        assert.equal((await api(server.url, 'GET', `/robots/${created.id}`)).status, 404);
        assert.equal((await api(server.url, 'DELETE', `/robots/${created.id}`)).status, 404);
        const stored = await server.database.db.selectFrom('robot_permissions').select('id').where('robot_id', '=', created.id).execute();
        assert.deepEqual(stored, []);

        const audit = await server.database.db
          .selectFrom('audit_logs')
          .select(['operation', 'resource', 'username', 'project_id'])
          .where('resource_type', '=', 'robot')
          .where('resource', 'in', ['robot$alpha+doomed', 'robot$alpha+editme', 'robot$ops'])
          .orderBy('id')
          .execute();
        assert.deepEqual(
          audit.map((a) => `${a.operation} ${a.resource} ${a.username} ${a.project_id}`),
          [
            'create robot$ops admin null',
            `create robot$alpha+editme alice ${alpha.id}`,
            `update robot$alpha+editme alice ${alpha.id}`,
            `update robot$alpha+editme alice ${alpha.id}`,
            `create robot$alpha+doomed alice ${alpha.id}`,
            `delete robot$alpha+doomed alice ${alpha.id}`,
          ],
        );
      });
    });

    describe('GET /permissions', () => {
      it('lists both levels of the robot catalogue to a system administrator', async () => {
        const body = await expectJson<PermissionsJson>(await api(server.url, 'GET', '/permissions'), 200);
        const has = (list: PermissionsJson['project'], r: string, a: string) => list?.some((p) => p.resource === r && p.action === a) ?? false;
        assert.ok(has(body.system, 'robot', 'create') && has(body.system, 'user', 'read'));
        assert.ok(!has(body.system, 'configuration', 'update'));
        assert.ok(has(body.project, 'repository', 'pull') && has(body.project, 'repository', 'push') && has(body.project, 'metadata', 'list'));
        assert.ok(!has(body.project, 'repository', 'create') && !has(body.project, 'robot', 'update'));
        assert.deepEqual(Object.keys(body.project![0]!).sort(), ['action', 'resource']);
      });

      it('lists the project level to project admins; others 403, anonymous 401', async () => {
        const admin = await expectJson<PermissionsJson>(await api(server.url, 'GET', '/permissions'), 200);
        const body = await expectJson<PermissionsJson>(await api(server.url, 'GET', '/permissions', { authorization: alice }), 200);
        assert.equal(body.system, undefined);
        assert.deepEqual(body.project, admin.project);
        assert.equal((await api(server.url, 'GET', '/permissions', { authorization: dave })).status, 403);
        assert.equal((await api(server.url, 'GET', '/permissions', { authorization: carol })).status, 403);
        assert.equal((await api(server.url, 'GET', '/permissions', { authorization: null })).status, 401);
      });
    });
  });
}
