import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../../testing/dialects.js';
import type { Database } from './index.js';
import { preparedQuery } from './prepared.js';

const settingByName = preparedQuery((db, name: string) =>
  db.selectFrom('settings').select(['name', 'value']).where('name', '=', name).where('value', '!=', 'hidden'),
);
const settingsBetween = preparedQuery((db, low: string, high: string) =>
  db.selectFrom('settings').select('name').where('name', '>=', low).where('name', '<=', high).orderBy('name'),
);

for (const dialect of testDialects()) {
  describe(`prepared queries (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;

    before(async () => {
      const opened = await dialect.open();
      database = opened.database;
      cleanup = opened.cleanup;
      await database.db
        .insertInto('settings')
        .values([
          { name: 'prep_a', value: 'one' },
          { name: 'prep_b', value: 'two' },
          { name: 'prep_c', value: 'hidden' },
        ])
        .execute();
    });
    after(() => cleanup());

    it('answers each call with its own arguments, the query built once', async () => {
      assert.deepEqual(await settingByName(database.db, 'prep_a'), [{ name: 'prep_a', value: 'one' }]);
      assert.deepEqual(await settingByName(database.db, 'prep_b'), [{ name: 'prep_b', value: 'two' }]);
      assert.deepEqual(await settingByName(database.db, 'prep_missing'), []);
    });

    it('keeps the constants of the query beside the arguments', async () => {
      // 'hidden' is a compiled constant, not an argument: prep_c stays filtered out on every call.
      assert.deepEqual(await settingByName(database.db, 'prep_c'), []);
    });

    it('binds several arguments in their places', async () => {
      assert.deepEqual(await settingsBetween(database.db, 'prep_b', 'prep_c'), [{ name: 'prep_b' }, { name: 'prep_c' }]);
      assert.deepEqual(await settingsBetween(database.db, 'prep_a', 'prep_a'), [{ name: 'prep_a' }]);
    });

    it('runs inside a transaction and sees its writes', async () => {
      await database.db.transaction().execute(async (trx) => {
        await trx.insertInto('settings').values({ name: 'prep_d', value: 'four' }).execute();
        assert.deepEqual(await settingByName(trx, 'prep_d'), [{ name: 'prep_d', value: 'four' }]);
        await trx.deleteFrom('settings').where('name', '=', 'prep_d').execute();
      });
      assert.deepEqual(await settingByName(database.db, 'prep_d'), []);
    });

    it('refuses a query that does not bind one of its arguments', async () => {
      const unbound = preparedQuery((db, _name: string) => db.selectFrom('settings').select('name'));
      await assert.rejects(unbound(database.db, 'prep_a'), /1 of 1 arguments are not bound values/);
    });
  });
}
