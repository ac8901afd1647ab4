import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { systemClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { createStorage } from '../storage/index.js';
import { bootstrap } from '../../system/bootstrap.js';
import { api, expectJson } from '../../testing/api.js';
import { basic } from '../../testing/client.js';
import { dropTestSchema } from '../../testing/dialects.js';
import { ADMIN_PASSWORD } from '../../testing/server.js';
import { openDatabase, type Database } from './database.js';

const url = process.env.BERTH_TEST_PG_URL;
const PASSWORD = 'Passw0rd-carol';
/** Well under the caches' own 5 s lifetime: only the notification can make it. */
const BOUND_MS = 2_000;

/** Polls until `refused` holds; answers how long that took. */
async function timeUntil(refused: () => Promise<boolean>, boundMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await refused()) return performance.now() - started;
    if (performance.now() - started > boundMs) return Infinity;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('two instances on one PostgreSQL database drop each other’s caches', { skip: url ? false : 'BERTH_TEST_PG_URL is unset' }, () => {
  const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-data-'));
  const config = parseConfig({ dataDir, auth: { adminPassword: ADMIN_PASSWORD }, storage: { fsync: false, minFreeMegabytes: 0 }, log: { level: 'silent' } });
  const databases: Database[] = [];
  const apps: FastifyInstance[] = [];
  let a = '';
  let b = '';

  async function instance(): Promise<string> {
    const database = await openDatabase({ url: url!, schema, poolSize: 4 });
    databases.push(database);
    if (databases.length === 1) await bootstrap(config, database, systemClock.now());
    const app = await buildApp({ config, db: database, storage: await createStorage(config), clock: systemClock });
    apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  before(async () => {
    a = await instance();
    b = await instance();
    await expectJson(await api(a, 'POST', '/users', { body: { username: 'carol', password: PASSWORD } }), 201);
    await expectJson(await api(a, 'POST', '/projects', { body: { project_name: 'shared', metadata: { public: 'false' } } }), 201);
  });
  after(async () => {
    for (const app of apps) await app.close();
    for (const database of databases) await database.close();
    await dropTestSchema(url!, schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`a membership removed through one instance is refused by the other within ${BOUND_MS} ms`, async () => {
    await expectJson(await api(a, 'POST', '/projects/shared/members', { body: { role_id: 2, member_user: { username: 'carol' } } }), 201);
    const carol = basic('carol', PASSWORD);
    // B reads and caches carol's membership.
    await expectJson(await api(b, 'GET', '/projects/shared', { authorization: carol }), 200);
    const members = await expectJson<Array<{ id: number; entity_name: string }>>(await api(a, 'GET', '/projects/shared/members'), 200);
    const member = members.find((m) => m.entity_name === 'carol');
    assert.ok(member);
    assert.equal((await api(a, 'DELETE', `/projects/shared/members/${member.id}`)).status, 200);
    const elapsed = await timeUntil(async () => (await api(b, 'GET', '/projects/shared', { authorization: carol })).status !== 200, BOUND_MS);
    assert.ok(elapsed <= BOUND_MS, 'instance B still let the removed member in');
    console.log(`membership removal seen by the other instance in ${elapsed.toFixed(0)} ms`);
  });

  it(`a password changed through one instance stops the old one on the other within ${BOUND_MS} ms`, async () => {
    const old = basic('carol', PASSWORD);
    // B verifies and remembers carol's password.
    await expectJson(await api(b, 'GET', '/users/current', { authorization: old }), 200);
    const users = await expectJson<Array<{ user_id: number; username: string }>>(await api(a, 'GET', '/users?username=carol'), 200);
    const id = users.find((u) => u.username === 'carol')?.user_id;
    assert.ok(id);
    assert.equal((await api(a, 'PUT', `/users/${id}/password`, { body: { new_password: 'Changed-Passw0rd' } })).status, 200);
    const elapsed = await timeUntil(async () => (await api(b, 'GET', '/users/current', { authorization: old })).status === 401, BOUND_MS);
    assert.ok(elapsed <= BOUND_MS, 'instance B still took the old password');
    await expectJson(await api(b, 'GET', '/users/current', { authorization: basic('carol', 'Changed-Passw0rd') }), 200);
    console.log(`password change seen by the other instance in ${elapsed.toFixed(0)} ms`);
  });

  it(`a project made private through one instance is closed to anonymous pulls on the other within ${BOUND_MS} ms`, async () => {
    assert.equal((await api(a, 'PUT', '/projects/shared', { body: { metadata: { public: 'true' } } })).status, 200);
    const anonymousTags = () => fetch(`${b}/v2/shared/nothing/tags/list`);
    // B reads and caches the project as public: anyone is told the repository is unknown.
    assert.equal((await anonymousTags()).status, 404);
    assert.equal((await api(a, 'PUT', '/projects/shared', { body: { metadata: { public: 'false' } } })).status, 200);
    const elapsed = await timeUntil(async () => (await anonymousTags()).status === 401, BOUND_MS);
    assert.ok(elapsed <= BOUND_MS, 'instance B still served the project as public');
    console.log(`visibility change seen by the other instance in ${elapsed.toFixed(0)} ms`);
  });
});
