import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { createUser } from '../../auth/index.js';
import { createProject } from '../../projects/index.js';
import * as registry from '../../content/repo.js';
import { testDialects } from '../../testing/dialects.js';
import type { Database } from './index.js';
import { migrateToLatest } from './migrate.js';

for (const dialect of testDialects()) {
  describe(`database (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let repositoryId: number;

    before(async () => {
      const opened = await dialect.open();
      database = opened.database;
      cleanup = opened.cleanup;
      const user = await createUser(database.db, { username: 'owner', passwordHash: 'x', sysadmin: false, now: 1 });
      const project = await createProject(database.db, { name: 'proj', ownerId: user.id, public: false, now: 1 });
      repositoryId = (await registry.ensureRepository(database.db, project.id, 'proj/app', 2)).id;
    });
    after(() => cleanup());

    if (dialect.name === 'sqlite') {
      it('keeps the SQLite page cache to about 2 MiB, not the 16 MB better-sqlite3 is built with', async () => {
        const { rows } = await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(database.db);
        assert.equal(rows[0]?.cache_size, -2048);
      });
    }

    if (dialect.name === 'sqlite')
      it('a transaction that reads, then writes, is not refused when another process writes meanwhile', async () => {
        const file = database.file;
        assert.ok(file, 'the test database is a file');
        let exited: Promise<unknown[]> = Promise.resolve([null]);
        await database.db.transaction().execute(async (trx) => {
          await trx.selectFrom('settings').select('name').execute();
          // As `berth vulndb import` does beside a running server: its own connection, committing
          // now. It says when its write is about to run, so the write is not late on a loaded machine.
          const write = `const db = new (require('better-sqlite3'))(process.argv[1]); db.pragma('busy_timeout = 5000');
            const insert = db.prepare("insert into settings (name, value) values ('beside', 'theirs')");
            process.stdout.write('writing\\n', () => insert.run());`;
          const other = spawn(process.execPath, ['-e', write, file], { stdio: ['ignore', 'pipe', 'inherit'] });
          exited = once(other, 'exit');
          await once(other.stdout, 'data');
          await sleep(200);
          await trx.insertInto('settings').values({ name: 'inside', value: 'mine' }).execute();
        });
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0, 'the other process waited for the transaction, then wrote');
        const names = (await database.db.selectFrom('settings').select('name').where('name', 'in', ['inside', 'beside']).execute()).map((row) => row.name);
        assert.deepEqual(names.sort(), ['beside', 'inside']);
      });

    it('migrates idempotently', async () => {
      await migrateToLatest(database);
      await migrateToLatest(database);
    });

    it('returns sizes and timestamps as numbers beyond 32 bits', async () => {
      const big = 5 * 1024 ** 4;
      await registry.linkBlob(database.db, repositoryId, 'sha256:big', big, 1_795_000_000_000);
      assert.equal(await registry.linkedBlobSize(database.db, repositoryId, 'sha256:big'), big);
    });

    it('creates a repository once under concurrent first pushes', async () => {
      const project = await database.db.selectFrom('projects').select('id').where('name', '=', 'proj').executeTakeFirstOrThrow();
      const rows = await Promise.all(Array.from({ length: 8 }, () => registry.ensureRepository(database.db, project.id, 'proj/race', 3)));
      assert.equal(new Set(rows.map((r) => r.id)).size, 1);
    });

    it('sorts tags bytewise, so paging agrees on both engines', async () => {
      await registry.linkBlob(database.db, repositoryId, 'sha256:cfg', 2, 1);
      for (const tag of ['b', 'B', 'a', '_x', '1']) {
        await registry.saveManifest(database.db, {
          repositoryId,
          digest: 'sha256:m',
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType: null,
          manifestSize: 10,
          size: 12,
          subject: null,
          annotations: null,
          references: [{ digest: 'sha256:cfg', kind: 'blob' }],
          tag,
          now: 5,
        });
      }
      assert.deepEqual(await registry.listTags(database.db, repositoryId, 100, undefined), ['1', 'B', '_x', 'a', 'b']);
      assert.deepEqual(await registry.listTags(database.db, repositoryId, 2, 'B'), ['_x', 'a']);
    });

    it('moves a tag to the newest manifest pushed under it', async () => {
      const save = (digest: string) =>
        registry.saveManifest(database.db, {
          repositoryId,
          digest,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType: null,
          manifestSize: 1,
          size: 1,
          subject: null,
          annotations: null,
          references: [],
          tag: 'moving',
          now: 6,
        });
      await save('sha256:first');
      await save('sha256:second');
      assert.equal((await registry.findArtifactByTag(database.db, repositoryId, 'moving'))?.digest, 'sha256:second');
    });

    it('rolls back a failed transaction entirely', async () => {
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await registry.linkBlob(trx, repositoryId, 'sha256:rolledback', 1, 1);
          throw new Error('boom');
        }),
      );
      assert.equal(await registry.linkedBlobSize(database.db, repositoryId, 'sha256:rolledback'), undefined);
    });
  });
}
