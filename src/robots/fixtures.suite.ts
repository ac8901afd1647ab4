import assert from 'node:assert/strict';
import { hashPassword, ROLE_IDS, type Role, createUser } from '../auth/index.js';
import type { Project } from '../platform/db/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import type { TestServer } from '../testing/server.js';
import type { RobotCreatedJson } from './schema.js';

// Test set-up straight into the database: the users, projects and members APIs are built alongside.

export const USER_PASSWORD = 'Passw0rd-for-tests';

/** A user; answers its Basic authorization header. */
export async function addUser(server: TestServer, username: string, sysadmin = false): Promise<string> {
  await createUser(server.database.db, { username, passwordHash: await hashPassword(USER_PASSWORD), sysadmin, now: Date.now() });
  return basic(username, USER_PASSWORD);
}

/** A project created a little in the past, so registry tokens issued now are younger than it. */
export function addProject(server: TestServer, name: string, isPublic = false): Promise<Project> {
  return createProject(server.database.db, { name, ownerId: 1, public: isPublic, now: Date.now() - 60_000 });
}

export async function addMember(server: TestServer, project: Project, username: string, role: Role, repositoryPatterns?: string[]): Promise<void> {
  const user = await server.database.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  await server.database.db
    .insertInto('project_members')
    .values({
      project_id: project.id,
      entity_type: 'u',
      entity_id: user.id,
      role: ROLE_IDS[role],
      repository_patterns: repositoryPatterns ? JSON.stringify(repositoryPatterns) : null,
      created_at: Date.now(),
      updated_at: Date.now(),
    })
    .execute();
}

export interface AccessItem {
  resource: string;
  action: string;
  effect?: string;
}

/** The body of a project robot holding `access` in `project`. */
export function projectRobot(name: string, project: string, access: AccessItem[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: project, access }], ...extra };
}

export async function createRobot(server: TestServer, body: Record<string, unknown>, authorization?: string): Promise<RobotCreatedJson> {
  return expectJson<RobotCreatedJson>(await api(server.url, 'POST', '/robots', { body, authorization }), 201);
}

export async function errorMessage(res: Response, status: number): Promise<string> {
  const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(res, status);
  assert.equal(body.errors.length, 1);
  return body.errors[0]!.message;
}

export const PULL: AccessItem = { resource: 'repository', action: 'pull' };
export const PUSH: AccessItem = { resource: 'repository', action: 'push' };
