/** Holds on upstream fetches in the database: two instances' worth of UpstreamFetches on one database, on both dialects. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../platform/db/index.js';
import { testDialects } from '../testing/dialects.js';
import { eventually } from '../testing/wait.js';
import { HOLD_MS, READY, UpstreamFetches, type FetchHold } from './fetches.js';

const silent = { warn: () => undefined };

for (const dialect of testDialects()) {
  describe(`proxy cache fetch holds (${dialect.name})`, () => {
    let opened: Awaited<ReturnType<typeof dialect.open>>;
    let database: Database;
    const clock = { offset: 0, now: () => Date.now() + clock.offset };
    let first: UpstreamFetches;
    let second: UpstreamFetches;

    before(async () => {
      opened = await dialect.open();
      database = opened.database;
      first = new UpstreamFetches({ database, clock, log: silent });
      second = new UpstreamFetches({ database, clock, log: silent });
    });
    after(() => opened?.cleanup());

    /** Starts `fetches.once` for `key` and answers the hold once its work runs (the work then waits for `done`). */
    function start(fetches: UpstreamFetches, key: string, ready: () => boolean, done: Promise<string>) {
      let held: (hold: FetchHold) => void = () => undefined;
      const holding = new Promise<FetchHold>((resolve) => (held = resolve));
      const outcome = fetches.once(
        key,
        async () => ready(),
        async (hold) => {
          held(hold);
          return done;
        },
      );
      return { holding, outcome };
    }

    it('lets one instance fetch while the other waits, then answers the other from what was stored', async () => {
      let stored = false;
      const leader = start(first, 'blob:a', () => stored, Promise.resolve('fetched'));
      const hold = await leader.holding;
      let followerRan = false;
      const follower = second.once(
        'blob:a',
        async () => stored,
        async () => ((followerRan = true), 'fetched again'),
      );
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(followerRan, false, 'the second instance waits while the first holds the fetch');
      assert.equal(await leader.outcome, 'fetched');
      stored = true;
      await hold.release();
      assert.equal(await follower, READY);
      assert.equal(followerRan, false);
    });

    it('lets the waiting instance fetch itself when the fetch ended with nothing stored', async () => {
      const leader = start(first, 'blob:b', () => false, Promise.resolve('failed'));
      const hold = await leader.holding;
      const follower = second.once(
        'blob:b',
        async () => false,
        async (own) => (await own.release(), 'fetched by the second'),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await hold.release();
      assert.equal(await follower, 'fetched by the second');
    });

    it('takes over a fetch whose instance died once its hold runs out, and not before', async () => {
      const leader = start(first, 'blob:c', () => false, new Promise<string>(() => undefined));
      await leader.holding;
      // The first instance dies: it neither renews nor releases. Before the hold runs out, the second waits.
      let took = false;
      const follower = second.once(
        'blob:c',
        async () => false,
        async (own) => ((took = true), await own.release(), 'taken over'),
      );
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(took, false);
      clock.offset += HOLD_MS + 1000;
      assert.equal(await follower, 'taken over');
    });

    it('keeps a renewed hold past its first term', async () => {
      const leader = start(first, 'blob:d', () => false, Promise.resolve('fetched'));
      const hold = await leader.holding;
      hold.keep();
      // Renewed every 5 s: after one renewal the hold lasts beyond the first term.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      clock.offset += HOLD_MS - 4_000;
      let took = false;
      const follower = second.once(
        'blob:d',
        async () => false,
        async (own) => ((took = true), await own.release(), 'taken'),
      );
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(took, false, 'the renewed hold still holds');
      await hold.release();
      assert.equal(await follower, 'taken');
    });

    it('forgets holds left by dead instances an hour after they ran out', async () => {
      const dead = start(first, 'blob:e', () => false, new Promise<string>(() => undefined));
      await dead.holding;
      const keys = async () => (await database.db.selectFrom('proxy_fetches').select('key').execute()).map((row) => row.key);
      assert.ok((await keys()).includes('blob:e'));
      clock.offset += HOLD_MS + 60 * 60_000 + 1000;
      const later = new UpstreamFetches({ database, clock, log: silent });
      assert.equal(
        await later.once(
          'blob:f',
          async () => false,
          async (hold) => (await hold.release(), 'fetched'),
        ),
        'fetched',
      );
      await eventually(async () => ((await keys()).includes('blob:e') ? undefined : true));
    });
  });
}
