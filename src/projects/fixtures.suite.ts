// Helpers shared by this folder's tests (a .suite.ts file: test support, never built).
import assert from 'node:assert/strict';
import { hashPassword, createUser } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import type { TestServer } from '../testing/server.js';

export const PASSWORD = 'Passw0rd-for-tests';

export interface TestUser {
  id: number;
  username: string;
  auth: string;
}

/** Users are made through the database: the users API is another feature's. */
export async function addUser(server: TestServer, username: string, options: { sysadmin?: boolean } = {}): Promise<TestUser> {
  const user = await createUser(server.database.db, {
    username,
    passwordHash: await hashPassword(PASSWORD),
    sysadmin: options.sysadmin ?? false,
    now: Date.now(),
  });
  return { id: user.id, username, auth: basic(username, PASSWORD) };
}

/** A robot account with the given grants, made through the database (robots are another feature). */
export async function addRobot(
  server: TestServer,
  name: string,
  level: 'system' | 'project',
  grants: Array<{ namespace: string; access: Array<{ resource: string; action: string }> }>,
  projectId: number | null = null,
): Promise<string> {
  const now = Date.now();
  const robot = await server.database.db
    .insertInto('robots')
    .values({
      name: `robot$${name}`,
      level,
      project_id: projectId,
      secret_hash: await hashPassword(PASSWORD),
      duration: -1,
      expires_at: -1,
      creator: 'admin',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const grant of grants) {
    await server.database.db
      .insertInto('robot_permissions')
      .values({ robot_id: robot.id, kind: 'project', namespace: grant.namespace, access: JSON.stringify(grant.access), repository_patterns: null })
      .execute();
  }
  return basic(`robot$${name}`, PASSWORD);
}

/** Creates a project through the API and answers its id. */
export async function newProject(url: string, name: string, options: { public?: boolean; authorization?: string } = {}): Promise<number> {
  const res = await api(url, 'POST', '/projects', {
    authorization: options.authorization,
    body: { project_name: name, metadata: { public: options.public ? 'true' : 'false' } },
  });
  await expectJson(res, 201);
  const location = res.headers.get('location') ?? '';
  const id = Number(/\/projects\/(\d+)$/.exec(location)?.[1]);
  assert.ok(id > 0, `Location ${location}`);
  return id;
}

export async function addMember(url: string, project: string | number, user: string, roleId: number, authorization?: string): Promise<number> {
  const res = await api(url, 'POST', `/projects/${project}/members`, { authorization, body: { role_id: roleId, member_user: { username: user } } });
  await expectJson(res, 201);
  return Number(/\/members\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1]);
}

/** The first error of Harbor's envelope, checking the status on the way. */
export async function expectError(res: Response, status: number): Promise<{ code: string; message: string }> {
  const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(res, status);
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, 'Harbor error envelope');
  return body.errors[0] as { code: string; message: string };
}
