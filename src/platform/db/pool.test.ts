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
import { api } from '../../testing/api.js';
import { dropTestSchema } from '../../testing/dialects.js';
import { ADMIN_PASSWORD } from '../../testing/server.js';
import { openDatabase, type Database } from './database.js';

const url = process.env.BERTH_TEST_PG_URL;
const POOL_SIZE = 2;
const CONCURRENT = 60;

describe('a bounded PostgreSQL pool', { skip: url ? false : 'BERTH_TEST_PG_URL is unset' }, () => {
  const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-data-'));
  let database: Database;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    const config = parseConfig({
      dataDir,
      database: { url: url!, poolSize: POOL_SIZE },
      auth: { adminPassword: ADMIN_PASSWORD },
      storage: { fsync: false, minFreeMegabytes: 0 },
      log: { level: 'silent' },
    });
    database = await openDatabase({ url: url!, schema, poolSize: config.database.poolSize });
    await bootstrap(config, database, systemClock.now());
    app = await buildApp({ config, db: database, storage: await createStorage(config), clock: systemClock });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await database.close();
    await dropTestSchema(url!, schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${CONCURRENT} concurrent API requests (reads and writes in transactions) on a pool of ${POOL_SIZE} wait their turn and all succeed`, async () => {
    // One request first: the admin's password is then verified and remembered, and the burst measures the pool, not scrypt.
    assert.equal((await api(base, 'GET', '/users/current')).status, 200);
    let mostWaiting = 0;
    const sampler = setInterval(() => {
      mostWaiting = Math.max(mostWaiting, database.pool?.().waiting ?? 0);
    }, 1);
    const started = performance.now();
    try {
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          i % 3 === 0
            ? api(base, 'POST', '/projects', { body: { project_name: `burst-${i}`, metadata: { public: 'false' } } })
            : api(base, 'GET', i % 3 === 1 ? '/projects?page_size=100' : '/users/current'),
        ),
      );
      const statuses = answers.map((res) => res.status);
      assert.deepEqual(
        statuses.filter((status, i) => status !== (i % 3 === 0 ? 201 : 200)),
        [],
        `statuses: ${statuses.join(' ')}`,
      );
    } finally {
      clearInterval(sampler);
    }
    const pool = database.pool!();
    assert.ok(pool.total <= POOL_SIZE, `${pool.total} connections open`);
    const names = (await database.db.selectFrom('projects').select('name').where('name', 'like', 'burst-%').execute()).map((row) => row.name);
    assert.equal(names.length, CONCURRENT / 3);
    console.log(`pool of ${POOL_SIZE}: ${CONCURRENT} requests in ${(performance.now() - started).toFixed(0)} ms, up to ${mostWaiting} queries waiting`);
  });
});
