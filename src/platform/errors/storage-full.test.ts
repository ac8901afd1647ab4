import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { errorHandler } from './handler.js';
import { asStorageFull } from './out-of-space.js';

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

/** Fills a one-page SQLite database: its own SQLITE_FULL, as a full disk gives it. */
function fillSqlite(): void {
  const sqlite = new SQLite(':memory:');
  try {
    sqlite.exec('create table t (v blob)');
    sqlite.pragma('max_page_count = 2');
    sqlite.prepare('insert into t values (?)').run(Buffer.alloc(64 * 1024));
  } finally {
    sqlite.close();
  }
}

describe('a write that runs out of space', () => {
  let app: FastifyInstance;

  before(async () => {
    app = Fastify({ logger: false });
    app.setErrorHandler(errorHandler);
    // /dev/full refuses every write with ENOSPC: the real error a full disk gives.
    const writeToFullDisk = async (): Promise<never> => {
      await writeFile('/dev/full', Buffer.alloc(4096));
      throw new Error('/dev/full accepted a write');
    };
    app.put('/v2/library/app/blobs/uploads/x', writeToFullDisk);
    app.post('/api/v2.0/projects', writeToFullDisk);
    app.post('/api/v2.0/users', async () => fillSqlite());
    await app.ready();
  });
  after(() => app.close());

  it('answers 507 in the OCI envelope on /v2/ with the storage-full message, not a bare 500', { skip: !existsSync('/dev/full') && 'no /dev/full' }, async () => {
    const res = await app.inject({ method: 'PUT', url: '/v2/library/app/blobs/uploads/x' });
    assert.equal(res.statusCode, 507);
    const body = res.json<ErrorBody>();
    assert.equal(body.errors[0]!.code, 'DENIED');
    assert.equal(body.errors[0]!.message, "the registry's storage is full: no space left on the device");
    assert.doesNotMatch(res.body, /ENOSPC|\/dev\/full/);
  });

  it("answers 507 in Harbor's envelope on the API, not a bare 500", { skip: !existsSync('/dev/full') && 'no /dev/full' }, async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v2.0/projects' });
    assert.equal(res.statusCode, 507);
    assert.deepEqual(res.json<ErrorBody>(), {
      errors: [{ code: 'INSUFFICIENT_STORAGE', message: "the registry's storage is full: no space left on the device" }],
    });
  });

  it('answers 507 when SQLite cannot grow (SQLITE_FULL), not a bare 500', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v2.0/users' });
    assert.equal(res.statusCode, 507);
    assert.equal(res.json<ErrorBody>().errors[0]!.message, "the registry's storage is full: the database has no room to grow");
  });

  it("reads PostgreSQL's disk_full (53100) and an out-of-space cause as storage full, and nothing else", () => {
    const disk = new pg.DatabaseError('could not extend file', 0, 'error');
    disk.code = '53100';
    assert.match(asStorageFull(disk)?.message ?? '', /database server's disk is full/);
    const wrapped = new Error('upload failed', { cause: Object.assign(new Error('write'), { code: 'EDQUOT' }) });
    assert.match(asStorageFull(wrapped)?.message ?? '', /quota is used up/);
    assert.equal(asStorageFull(Object.assign(new Error('gone'), { code: 'ENOENT' })), undefined);
    assert.equal(asStorageFull(new Error('boom')), undefined);
  });
});
