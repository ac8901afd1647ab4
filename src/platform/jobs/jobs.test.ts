import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase, type Database } from '../db/index.js';
import { testDialects } from '../../testing/dialects.js';
import { eventually } from '../../testing/wait.js';
import { systemClock } from '../clock.js';
import { enqueue, executionLog, findExecution, stopExecution, tasksOf } from './queue.js';
import { CronError, nextRun, SCHEDULE_PRESETS, setSchedule, validateCron } from './schedules.js';
import { JobService, type TaskHandler } from './service.js';

/** Waits until `check` holds; jobs run in the background. */
async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => ((await check()) ? true : undefined), timeoutMs);
}

for (const dialect of testDialects()) {
  describe(`job service (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    const services: JobService[] = [];

    before(async () => {
      ({ database, cleanup } = await dialect.open());
    });
    after(async () => {
      for (const service of services) await service.stop();
      await cleanup();
    });

    const service = (handlers: Record<string, TaskHandler>, options: { concurrency?: number; leaseMs?: number } = {}) => {
      const jobs = new JobService({ database, clock: systemClock, concurrency: options.concurrency ?? 2, pollMs: 20, leaseMs: options.leaseMs });
      for (const [kind, handler] of Object.entries(handlers)) jobs.register(kind, handler);
      services.push(jobs);
      return jobs;
    };

    const finished = async (executionId: number) => {
      await until(async () => ['Success', 'Error', 'Stopped'].includes((await findExecution(database.db, executionId))?.status ?? ''));
      return (await findExecution(database.db, executionId))!;
    };

    it('runs every task exactly once with two services on one database, and records logs and results', async () => {
      const runs = new Map<number, number>();
      const handler: TaskHandler = async ({ params, log }) => {
        const n = Number(params.n);
        runs.set(n, (runs.get(n) ?? 0) + 1);
        await log(`task ${n} ran`);
        await new Promise((r) => setTimeout(r, 2));
        return { doubled: n * 2 };
      };
      const one = service({ 'test-once': handler });
      const two = service({ 'test-once': handler });
      const id = await database.db
        .transaction()
        .execute((trx) =>
          enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: Array.from({ length: 40 }, (_, n) => ({ kind: 'test-once', params: { n } })) }, Date.now()),
        );
      one.start();
      two.start();
      const execution = await finished(id);
      await one.stop();
      await two.stop();
      assert.equal(execution.status, 'Success');
      assert.ok(execution.end_time !== null);
      assert.equal(runs.size, 40);
      assert.ok(
        [...runs.values()].every((count) => count === 1),
        'no task ran twice',
      );
      const tasks = await tasksOf(database.db, id);
      assert.deepEqual(
        tasks.map((t) => JSON.parse(t.extra_attrs).doubled).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, n) => n * 2),
      );
      assert.match(await executionLog(database.db, id), /task 17 ran/);
    });

    it('retries a failing task with backoff until it succeeds, and ends in Error when attempts run out', async () => {
      let calls = 0;
      const jobs = service({
        'test-flaky': async () => {
          calls++;
          if (calls < 2) throw new Error('receiver unavailable');
        },
        'test-broken': async () => {
          throw new Error('always broken');
        },
      });
      const flaky = await database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'EVENT', tasks: [{ kind: 'test-flaky', maxAttempts: 3 }] }, Date.now()));
      const broken = await database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'EVENT', tasks: [{ kind: 'test-broken', maxAttempts: 2 }] }, Date.now()));
      jobs.start();
      assert.equal((await finished(flaky)).status, 'Success');
      assert.equal(calls, 2);
      const failed = await finished(broken);
      assert.equal(failed.status, 'Error');
      const [task] = await tasksOf(database.db, broken);
      assert.equal(task?.attempts, 2);
      assert.equal(task?.status_message, 'always broken');
      assert.match(await executionLog(database.db, broken), /attempt 1 of 2 failed: always broken/);
      await jobs.stop();
    });

    it('hands the next attempt the checkpoint the failed one saved, and forgets it once the task ends', async () => {
      const seen: Array<Record<string, unknown> | undefined> = [];
      const jobs = service({
        'test-checkpointed': async ({ checkpoint, saveCheckpoint }) => {
          seen.push(checkpoint);
          const done = Number(checkpoint?.done ?? 0);
          await saveCheckpoint({ done: done + 10 });
          if (done < 20) throw new Error(`cut after ${done + 10}`);
        },
      });
      const id = await database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'test-checkpointed', maxAttempts: 5 }] }, Date.now()));
      jobs.start();
      assert.equal((await finished(id)).status, 'Success');
      await jobs.stop();
      assert.deepEqual(seen, [undefined, { done: 10 }, { done: 20 }]);
      const [task] = await tasksOf(database.db, id);
      assert.equal(task?.checkpoint, null);
    });

    it('stops a running execution and never starts its pending tasks', async () => {
      let started = 0;
      const jobs = service(
        {
          'test-slow': async ({ signal }) => {
            started++;
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          },
        },
        { concurrency: 1 },
      );
      const id = await database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'test-slow' }, { kind: 'test-slow' }] }, Date.now()));
      jobs.start();
      await until(async () => started === 1);
      await stopExecution(database, id, Date.now());
      assert.equal((await finished(id)).status, 'Stopped');
      assert.equal(started, 1);
      await jobs.stop();
    });

    it('puts a task interrupted by a shutdown back in the queue, and the next process finishes it', async () => {
      let firstStarted = false;
      const first = service({
        'test-restart': async ({ signal }) => {
          firstStarted = true;
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          throw new Error('interrupted');
        },
      });
      const id = await database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'test-restart' }] }, Date.now()));
      first.start();
      await until(async () => firstStarted);
      await first.stop();
      const [waiting] = await tasksOf(database.db, id);
      assert.equal(waiting?.status, 'Pending');
      assert.equal(waiting?.attempts, 0, 'an interrupted run is not a failed attempt');
      let runs = 0;
      const second = service({ 'test-restart': async () => void runs++ });
      second.start();
      assert.equal((await finished(id)).status, 'Success');
      assert.equal(runs, 1);
      await second.stop();
    });

    it('takes over a task whose worker died (its lease expired) and finishes it', async () => {
      const id = await database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'test-orphan' }] }, Date.now()));
      // A worker of a process that is gone: the task is Running under a lease nobody renews.
      await database.db
        .updateTable('tasks')
        .set({ status: 'Running', lease_owner: 'dead-process', lease_expires_at: Date.now() - 1, attempts: 1 })
        .where('execution_id', '=', id)
        .execute();
      let ran = 0;
      const jobs = service({ 'test-orphan': async () => void ran++ });
      jobs.start();
      assert.equal((await finished(id)).status, 'Success');
      assert.equal(ran, 1);
      await jobs.stop();
    });

    it('fires a due schedule once even with two services, and moves it to its next time', async () => {
      const fired: number[] = [];
      const now = Date.now();
      await database.db.transaction().execute((trx) => setSchedule(trx, { vendorType: 'TEST_SCHEDULE', cron: '0 0 0 * * *' }, now));
      // Make it due now, as if the time had come while nothing was running.
      await database.db
        .updateTable('schedules')
        .set({ next_run_at: now - 1000 })
        .where('vendor_type', '=', 'TEST_SCHEDULE')
        .execute();
      const services2 = [service({}), service({})];
      for (const jobs of services2) {
        jobs.onSchedule('TEST_SCHEDULE', async (trx, schedule, at) => {
          fired.push(schedule.id);
          await enqueue(trx, { vendorType: 'TEST_SCHEDULE', trigger: 'SCHEDULE', tasks: [] }, at);
        });
        jobs.start();
      }
      await until(async () => fired.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(fired.length, 1);
      const row = await database.db.selectFrom('schedules').selectAll().where('vendor_type', '=', 'TEST_SCHEDULE').executeTakeFirstOrThrow();
      assert.ok(row.next_run_at > now && row.next_run_at === nextRun('0 0 0 * * *', row.next_run_at - 1));
      const executions = await database.db.selectFrom('executions').selectAll().where('vendor_type', '=', 'TEST_SCHEDULE').execute();
      assert.deepEqual(
        executions.map((e) => e.trigger),
        ['SCHEDULE'],
      );
      for (const jobs of services2) await jobs.stop();
    });
  });
}

// Another process holding SQLite's write lock past the busy timeout: a database failing around a task.
describe('job service on a database that fails around a task (sqlite, locked past its busy timeout)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-jobs-'));
  const url = join(dir, 'berth.db');
  let database: Database;
  before(async () => {
    database = await openDatabase({ url });
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('outlives the failure, and runs the task again once its lease runs out', async () => {
    const errors: string[] = [];
    const jobs = new JobService({
      database,
      clock: systemClock,
      concurrency: 1,
      pollMs: 20,
      leaseMs: 500,
      log: { error: (_obj, msg) => void errors.push(msg) },
    });
    let runs = 0;
    jobs.register('test-locked', async () => {
      if (++runs > 1) return;
      // Recording this attempt's outcome waits out the busy timeout (5 s), then fails.
      const other = new SQLite(url);
      other.exec('begin exclusive');
      setTimeout(() => {
        other.exec('commit');
        other.close();
      }, 5_500);
    });
    const id = await database.db
      .transaction()
      .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'test-locked' }] }, Date.now()));
    jobs.start();
    try {
      await until(async () => (await findExecution(database.db, id))?.status === 'Success');
      assert.equal(runs, 2, 'the attempt whose outcome was lost ran again');
      assert.ok(errors.includes('job task could not be run or recorded'), errors.join('; '));
    } finally {
      await jobs.stop();
    }
  });
});

describe('schedule crons fire at most once a minute', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 30);
  it('refuses crons firing more often than once a minute', () => {
    for (const cron of ['* * * * * *', '*/2 * * * * *', '0,30 * * * * *', '* 0 * * * *', '0-1 0 3 * * *', '*/15 5 * * * *']) {
      assert.throws(
        () => validateCron(cron, now),
        (err: unknown) => err instanceof CronError && /at most once every 60 seconds/.test(err.message),
        cron,
      );
    }
  });
  it('accepts the presets, the system schedules and once-a-minute crons', () => {
    for (const cron of [...Object.values(SCHEDULE_PRESETS), '0 * * * * *', '15 */5 * * * *', '0 5 * * * *', '0 */10 * * * *', '0 */15 * * * *', '0 0 3 * * *']) {
      assert.equal(validateCron(cron, now), nextRun(cron, now), cron);
    }
  });
});
