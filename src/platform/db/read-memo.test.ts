import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDialects } from '../../testing/dialects.js';
import { OTHER_COMMITS_LOOK_MS, type Database } from './index.js';
import { ReadMemo } from './read-memo.js';

for (const dialect of testDialects()) {
  describe(`read memo (${dialect.name})`, () => {
    let database: Database;
    let url: string;
    let cleanup: () => Promise<void>;
    let reads = 0;

    before(async () => {
      const opened = await dialect.open();
      ({ database, url, cleanup } = opened);
      await database.db.insertInto('settings').values({ name: 'memo_a', value: 'one' }).execute();
    });
    after(() => cleanup());

    async function valueOf(memo: ReadMemo<string | undefined>, name: string): Promise<string | undefined> {
      return memo.get(name, async () => {
        reads++;
        const row = await database.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
        return row?.value;
      });
    }

    async function setValue(name: string, value: string): Promise<void> {
      await database.db.updateTable('settings').set({ value }).where('name', '=', name).execute();
    }

    it('answers what the database holds after every write, kept between writes where the database can tell', async () => {
      const memo = new ReadMemo<string | undefined>(database, 10);
      reads = 0;
      assert.equal(await valueOf(memo, 'memo_a'), 'one');
      assert.equal(await valueOf(memo, 'memo_a'), 'one');
      assert.equal(await valueOf(memo, 'memo_missing'), undefined);
      assert.equal(await valueOf(memo, 'memo_missing'), undefined);
      // SQLite tells when anything changed; PostgreSQL, shared by instances, is read every time.
      assert.equal(reads, dialect.name === 'sqlite' ? 2 : 4);

      await setValue('memo_a', 'two');
      assert.equal(await valueOf(memo, 'memo_a'), 'two');
      await database.db.insertInto('settings').values({ name: 'memo_missing', value: 'now here' }).execute();
      assert.equal(await valueOf(memo, 'memo_missing'), 'now here');
      await database.db.transaction().execute(async (trx) => {
        await trx.updateTable('settings').set({ value: 'three' }).where('name', '=', 'memo_a').execute();
      });
      assert.equal(await valueOf(memo, 'memo_a'), 'three');
    });

    it('keeps nothing read inside a transaction, which may still roll back', async () => {
      const memo = new ReadMemo<string | undefined>(database, 10);
      await setValue('memo_a', 'before');
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx.updateTable('settings').set({ value: 'rolled back' }).where('name', '=', 'memo_a').execute();
          const seen = await memo.get('memo_a', async () => {
            const row = await trx.selectFrom('settings').select('value').where('name', '=', 'memo_a').executeTakeFirst();
            return row?.value;
          });
          assert.equal(seen, 'rolled back');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await valueOf(memo, 'memo_a'), 'before');
    });

    it('does not keep a read that a write overtook', async () => {
      const memo = new ReadMemo<string | undefined>(database, 10);
      await setValue('memo_a', 'old');
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      // A slow read: it reads, then waits; meanwhile a write lands and another request reads anew.
      const slow = memo.get('memo_a', async () => {
        const row = await database.db.selectFrom('settings').select('value').where('name', '=', 'memo_a').executeTakeFirst();
        await gate;
        return row?.value;
      });
      await setValue('memo_a', 'new');
      assert.equal(await valueOf(memo, 'memo_a'), 'new');
      release();
      assert.equal(await slow, 'old');
      assert.equal(await valueOf(memo, 'memo_a'), 'new', 'the overtaken read was not kept');
    });

    // PostgreSQL is read every time: only the embedded database is shared with other processes this way.
    if (dialect.name === 'sqlite')
      it('sees a commit by another process on the same database', async () => {
        const memo = new ReadMemo<string | undefined>(database, 10);
        await setValue('memo_a', 'mine');
        assert.equal(await valueOf(memo, 'memo_a'), 'mine');
        // As `berth admin` does beside a running server: a connection of its own on the file.
        const other = new SQLite(url);
        try {
          other.prepare("update settings set value = 'theirs' where name = 'memo_a'").run();
        } finally {
          other.close();
        }
        // Past the interval within which another process's commit is looked for (a timer may wake a little early).
        await sleep(OTHER_COMMITS_LOOK_MS + 10);
        assert.equal(await valueOf(memo, 'memo_a'), 'theirs');
      });

    it('holds at most its bound', async () => {
      const readsWith = async (bound: number): Promise<number> => {
        const memo = new ReadMemo<string | undefined>(database, bound);
        reads = 0;
        for (const name of ['memo_a', 'memo_missing', 'memo_x', 'memo_a']) await valueOf(memo, name);
        return reads;
      };
      // With room for three, memo_a is still there; with room for two, the third emptied it.
      assert.equal(await readsWith(3), dialect.name === 'sqlite' ? 3 : 4);
      assert.equal(await readsWith(2), 4);
    });
  });
}
