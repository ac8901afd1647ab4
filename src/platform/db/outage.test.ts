import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { systemClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { createStorage } from '../storage/index.js';
import { bootstrap } from '../../system/bootstrap.js';
import { api } from '../../testing/api.js';
import { ADMIN } from '../../testing/client.js';
import { dropTestSchema } from '../../testing/dialects.js';
import { ADMIN_PASSWORD } from '../../testing/server.js';
import { openDatabase, type Database } from './database.js';

/** A registry on `url`, serving on loopback. */
async function serve(url: string, schema?: string): Promise<{ app: FastifyInstance; database: Database; base: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-data-'));
  const config = parseConfig({
    dataDir,
    database: { url, poolSize: 2 },
    auth: { adminPassword: ADMIN_PASSWORD },
    storage: { fsync: false, minFreeMegabytes: 0 },
    log: { level: 'silent' },
  });
  const database = await openDatabase({ url, poolSize: 2, ...(schema ? { schema } : {}), onIdleConnectionLost: () => undefined });
  await bootstrap(config, database, systemClock.now());
  const app = await buildApp({ config, db: database, storage: await createStorage(config), clock: systemClock });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, database, base, dataDir };
}

/** What a client sees of a failed answer. */
async function failure(res: Response): Promise<{ status: number; retryAfter: string | null; code: string | undefined; message: string | undefined }> {
  const body = (await res.json()) as { errors?: Array<{ code: string; message: string }> };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.errors?.[0]?.code, message: body.errors?.[0]?.message };
}

describe('a database another process keeps locked (sqlite)', () => {
  let registry: Awaited<ReturnType<typeof serve>>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-db-'));
    registry = await serve(join(dir, 'berth.db'));
  });
  after(async () => {
    await registry.app.close();
    await registry.database.close();
    rmSync(registry.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a change 503 with Retry-After while the lock outlasts the busy timeout, and takes it once the lock is gone', async () => {
    // Signed in once: the password is remembered, as a client's would be mid-session.
    assert.equal((await api(registry.base, 'GET', '/users/current')).status, 200);
    const other = new SQLite(join(dir, 'berth.db'));
    other.exec('begin exclusive');
    try {
      const refused = await failure(await api(registry.base, 'POST', '/projects', { body: { project_name: 'while-locked' } }));
      assert.deepEqual(refused, {
        status: 503,
        retryAfter: '5',
        code: 'SERVICE_UNAVAILABLE',
        message: 'the registry cannot reach its database right now; try again shortly',
      });
    } finally {
      other.exec('commit');
      other.close();
    }
    assert.equal((await api(registry.base, 'POST', '/projects', { body: { project_name: 'after-lock' } })).status, 201);
  });
});

const pgUrl = process.env.BERTH_TEST_PG_URL;

/** A TCP hop in front of PostgreSQL that can go away and come back on the same port, as a restarting server does. */
class Hop {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

describe('PostgreSQL going away and coming back', { skip: pgUrl ? false : 'BERTH_TEST_PG_URL is unset' }, () => {
  const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const hop = new Hop(new URL(pgUrl ?? 'postgres://localhost'));
  let registry: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    await hop.up();
    const url = new URL(pgUrl!);
    url.port = String(hop.port);
    registry = await serve(url.toString(), schema);
  });
  after(async () => {
    await registry.app.close();
    await registry.database.close();
    await hop.down();
    await dropTestSchema(pgUrl!, schema);
    rmSync(registry.dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After on the API and /v2/ while it is gone, and serves again once it is back', async () => {
    assert.equal((await api(registry.base, 'GET', '/users/current')).status, 200);
    await hop.down();
    const apiAnswer = await failure(await api(registry.base, 'GET', '/projects'));
    assert.equal(apiAnswer.status, 503, JSON.stringify(apiAnswer));
    assert.equal(apiAnswer.code, 'SERVICE_UNAVAILABLE');
    assert.equal(apiAnswer.retryAfter, '5');
    const registryAnswer = await failure(await fetch(`${registry.base}/v2/library/app/tags/list`, { headers: { authorization: ADMIN } }));
    assert.equal(registryAnswer.status, 503, JSON.stringify(registryAnswer));
    assert.equal(registryAnswer.code, 'UNAVAILABLE');
    await hop.up();
    const back = await api(registry.base, 'POST', '/projects', { body: { project_name: 'after-restart' } });
    assert.equal(back.status, 201, await back.text());
  });
});
