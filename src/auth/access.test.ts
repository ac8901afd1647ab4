import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database, Project } from '../platform/db/index.js';
import { createProject } from '../projects/index.js';
import { testDialects } from '../testing/dialects.js';
import { AccessControl } from './access.js';
import type { Identity } from './identity.js';
import { PROJECT_MATRIX, type ProjectSubject } from './rbac-matrix.js';
import { ROLE_IDS, type Role } from './rbac.js';
import { ensureGroups, GROUP_TYPES, setUserGroups } from './groups-repo.js';
import { createUser } from './users-repo.js';

const ROLES: Role[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];
const ROWS = Object.entries(PROJECT_MATRIX as Record<string, readonly ProjectSubject[]>).map(([key, subjects]) => {
  const colon = key.lastIndexOf(':');
  return { resource: key.slice(0, colon), action: key.slice(colon + 1), subjects };
});

/** A few rows written out by hand from Harbor's role summary, so the table itself is checked too. */
const SPOT_CHECKS: Array<[Role | 'public', string, string, boolean]> = [
  ['limitedGuest', 'repository', 'pull', true],
  ['limitedGuest', 'member', 'list', false],
  ['guest', 'member', 'list', true],
  ['guest', 'repository', 'push', false],
  ['developer', 'repository', 'push', true],
  ['developer', 'repository', 'delete', false],
  ['developer', 'tag-retention', 'create', true],
  ['maintainer', 'repository', 'delete', true],
  ['maintainer', 'member', 'create', false],
  ['projectAdmin', 'member', 'create', true],
  ['projectAdmin', 'metadata', 'list', false],
  ['public', 'repository', 'pull', true],
  ['public', 'repository', 'read', false],
  ['public', 'member', 'list', false],
];

for (const dialect of testDialects()) {
  describe(`access control over the whole matrix (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let access: AccessControl;
    let own: Project;
    let otherPrivate: Project;
    let publicProject: Project;
    const members = new Map<Role, Identity>();
    let outsider: Identity;
    let admin: Identity;

    before(async () => {
      const opened = await dialect.open();
      database = opened.database;
      cleanup = opened.cleanup;
      access = new AccessControl(database, { now: () => Date.now() });
      const owner = await createUser(database.db, { username: 'owner', passwordHash: 'x', sysadmin: false, now: 1 });
      own = await createProject(database.db, { name: 'own', ownerId: owner.id, public: false, now: 1 });
      otherPrivate = await createProject(database.db, { name: 'other', ownerId: owner.id, public: false, now: 1 });
      publicProject = await createProject(database.db, { name: 'open', ownerId: owner.id, public: true, now: 1 });
      for (const role of ROLES) {
        const user = await createUser(database.db, { username: `u-${role.toLowerCase()}`, passwordHash: 'x', sysadmin: false, now: 1 });
        await database.db
          .insertInto('project_members')
          .values({ project_id: own.id, entity_type: 'u', entity_id: user.id, role: ROLE_IDS[role], repository_patterns: null, created_at: 1, updated_at: 1 })
          .execute();
        members.set(role, { kind: 'user', id: user.id, username: user.username, sysadmin: false });
      }
      const stranger = await createUser(database.db, { username: 'stranger', passwordHash: 'x', sysadmin: false, now: 1 });
      outsider = { kind: 'user', id: stranger.id, username: stranger.username, sysadmin: false };
      admin = { kind: 'user', id: 999, username: 'root', sysadmin: true };
    });
    after(() => cleanup());

    it('matches the hand-written spot checks', () => {
      for (const [subject, resource, action, expected] of SPOT_CHECKS) {
        const row = ROWS.find((r) => r.resource === resource && r.action === action);
        assert.equal(row?.subjects.includes(subject) ?? false, expected, `${subject} ${resource}:${action}`);
      }
    });

    it('gives each role exactly its column in its own project, and nothing in another private project', async () => {
      for (const role of ROLES) {
        const identity = members.get(role)!;
        const inOwn = await access.forProject(identity, own);
        const inOther = await access.forProject(identity, otherPrivate);
        for (const row of ROWS) {
          assert.equal(inOwn.can(row.resource, row.action), row.subjects.includes(role), `${role} ${row.resource}:${row.action} in own`);
          assert.equal(inOther.can(row.resource, row.action), false, `${role} ${row.resource}:${row.action} in other`);
        }
      }
    });

    it("gives a member through a group exactly its group role's column, and the highest when the user holds several", async () => {
      const addRow = (entityType: 'u' | 'g', entityId: number, role: Role) =>
        database.db
          .insertInto('project_members')
          .values({
            project_id: own.id,
            entity_type: entityType,
            entity_id: entityId,
            role: ROLE_IDS[role],
            repository_patterns: null,
            created_at: 1,
            updated_at: 1,
          })
          .execute();
      // One group per role, as a sign-in records them: the groups the provider named, created when first seen.
      const groupOf = new Map<Role, number>();
      for (const role of ROLES) {
        const [groupId] = await ensureGroups(database.db, [{ type: GROUP_TYPES.oidc, name: `g-${role}` }], 1);
        groupOf.set(role, groupId!);
        await addRow('g', groupId!, role);
      }
      for (const [index, role] of ROLES.entries()) {
        const user = await createUser(database.db, { username: `via-group-${role.toLowerCase()}`, passwordHash: 'x', sysadmin: false, now: 1 });
        await setUserGroups(database.db, user.id, [groupOf.get(role)!], false);
        const viaGroup: Identity = { kind: 'user', id: user.id, username: user.username, sysadmin: false };
        // The lowest role given directly and, through groups, this role and every one below it: this role wins.
        const below = ROLES.slice(index);
        const mixed = await createUser(database.db, { username: `mixed-${role.toLowerCase()}`, passwordHash: 'x', sysadmin: false, now: 1 });
        await addRow('u', mixed.id, 'limitedGuest');
        await setUserGroups(
          database.db,
          mixed.id,
          below.map((r) => groupOf.get(r)!),
          false,
        );
        const highest: Identity = { kind: 'user', id: mixed.id, username: mixed.username, sysadmin: false };
        for (const identity of [viaGroup, highest]) {
          const inOwn = await access.forProject(identity, own);
          const inOther = await access.forProject(identity, otherPrivate);
          assert.equal(inOwn.role, role);
          for (const row of ROWS) {
            assert.equal(inOwn.can(row.resource, row.action), row.subjects.includes(role), `${role} through a group: ${row.resource}:${row.action} in own`);
            assert.equal(inOther.can(row.resource, row.action), false, `${role} through a group: ${row.resource}:${row.action} in other`);
          }
        }
      }
    });

    it('narrows a group grant to its repository patterns', async () => {
      const [groupId] = await ensureGroups(database.db, [{ type: GROUP_TYPES.http, name: 'narrowed' }], 1);
      await database.db
        .insertInto('project_members')
        .values({
          project_id: own.id,
          entity_type: 'g',
          entity_id: groupId!,
          role: ROLE_IDS.developer,
          repository_patterns: JSON.stringify(['team-a/**']),
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      const user = await createUser(database.db, { username: 'narrowed-user', passwordHash: 'x', sysadmin: false, now: 1 });
      await setUserGroups(database.db, user.id, [groupId!], false);
      const identity: Identity = { kind: 'user', id: user.id, username: user.username, sysadmin: false };
      assert.deepEqual([...(await access.repositoryActions(identity, own, 'own/team-a/app'))], ['pull', 'push']);
      assert.deepEqual([...(await access.repositoryActions(identity, own, 'own/team-b/app'))], []);
    });

    it('gives everyone, signed in or not, exactly the public column in a public project', async () => {
      for (const identity of [{ kind: 'anonymous' } as Identity, outsider, members.get('guest')!]) {
        const permissions = await access.forProject(identity, publicProject);
        for (const row of ROWS) {
          assert.equal(permissions.can(row.resource, row.action), row.subjects.includes('public'), `${identity.kind} ${row.resource}:${row.action}`);
        }
      }
    });

    it('gives anonymous callers and non-members nothing in a private project', async () => {
      for (const identity of [{ kind: 'anonymous' } as Identity, outsider]) {
        const permissions = await access.forProject(identity, own);
        for (const row of ROWS) assert.equal(permissions.can(row.resource, row.action), false, `${row.resource}:${row.action}`);
      }
    });

    it('gives system admins everything but scanner-pull', async () => {
      const permissions = await access.forProject(admin, otherPrivate);
      for (const row of ROWS) assert.equal(permissions.can(row.resource, row.action), true);
      assert.equal(permissions.can('repository', 'scanner-pull'), false);
      assert.equal(access.systemCan(admin, 'user', 'create'), true);
      assert.equal(access.systemCan(members.get('projectAdmin')!, 'user', 'create'), false);
    });

    it('gives a robot only what it was granted, where it was granted', async () => {
      const robot: Identity = {
        kind: 'robot',
        id: 1,
        name: 'robot$own+ci',
        level: 'project',
        projectId: own.id,
        grants: [
          {
            namespace: 'own',
            access: [
              { resource: 'repository', action: 'push' },
              { resource: 'artifact', action: 'read' },
            ],
            repositoryPatterns: null,
          },
        ],
      };
      const inOwn = await access.forProject(robot, own);
      for (const row of ROWS) {
        const expected =
          (row.resource === 'repository' && (row.action === 'push' || row.action === 'pull')) ||
          (row.resource === 'artifact' && row.action === 'read') ||
          (row.resource === '' && row.action === 'read');
        assert.equal(inOwn.can(row.resource, row.action), expected, `${row.resource}:${row.action}`);
      }
      const inOther = await access.forProject(robot, otherPrivate);
      assert.equal(inOther.can('repository', 'pull'), false);
      assert.equal(access.systemCan(robot, 'user', 'list'), false);
    });

    it('narrows a grant to repository patterns', async () => {
      const robot: Identity = {
        kind: 'robot',
        id: 2,
        name: 'robot$own+team',
        level: 'project',
        projectId: own.id,
        grants: [{ namespace: 'own', access: [{ resource: 'repository', action: 'push' }], repositoryPatterns: ['team-a/**', 'tools'] }],
      };
      const actions = (repo: string) => access.repositoryActions(robot, own, repo);
      assert.deepEqual([...(await actions('own/team-a/app'))], ['pull', 'push']);
      assert.deepEqual([...(await actions('own/team-a/deep/app'))], ['pull', 'push']);
      assert.deepEqual([...(await actions('own/tools'))], ['pull', 'push']);
      assert.deepEqual([...(await actions('own/team-b/app'))], []);
      assert.deepEqual([...(await actions('own/toolsx'))], []);
    });
  });
}
