import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, hashPassword, ROLE_IDS } from '../../auth/index.js';
import { findSchedule } from '../../platform/jobs/index.js';
import { createProject } from '../../projects/index.js';
import { api, expectJson } from '../../testing/api.js';
import { basic, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { assertMatchesHarbor } from '../../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const DAY = 24 * 60 * 60 * 1000;
const PASSWORD = 'Retention-passw0rd';

interface RuleOptions {
  params?: Record<string, number>;
  tags?: Array<{ decoration: 'matches' | 'excludes'; pattern: string; untagged?: boolean }>;
  repos?: Array<{ decoration: 'repoMatches' | 'repoExcludes'; pattern: string }>;
}

function rule(template: string, options: RuleOptions = {}) {
  return {
    disabled: false,
    action: 'retain',
    template,
    params: options.params ?? {},
    tag_selectors: (options.tags ?? [{ decoration: 'matches', pattern: '**' }]).map((t) => ({
      kind: 'doublestar',
      decoration: t.decoration,
      pattern: t.pattern,
      ...(t.untagged === undefined ? {} : { extras: JSON.stringify({ untagged: t.untagged }) }),
    })),
    scope_selectors: { repository: (options.repos ?? [{ decoration: 'repoMatches', pattern: '**' }]).map((r) => ({ kind: 'doublestar', ...r })) },
  };
}

function policy(projectId: number, rules: unknown[], cron = '') {
  return { algorithm: 'or', rules, trigger: { kind: 'Schedule', settings: { cron } }, scope: { level: 'project', ref: projectId } };
}

/** One row of a task log's table. */
interface LoggedRow {
  digest: string;
  retained: string[];
  deleted: string[];
  decision: string;
}

function parseLog(log: string): LoggedRow[] {
  const split = (cell: string) =>
    cell.trim() === '-'
      ? []
      : cell
          .trim()
          .split(',')
          .map((t) => t.replace(' (immutable)', ''));
  return log
    .split('\n')
    .filter((line) => line.includes('| sha256:'))
    .map((line) => {
      const cells = line.slice(line.indexOf('|') + 1).split('|');
      return { digest: cells[0]!.trim(), retained: split(cells[1]!), deleted: split(cells[2]!), decision: cells[5]!.trim() };
    });
}

for (const dialect of testDialects()) {
  describe(`tag retention (${dialect.name})`, () => {
    let server: TestServer;
    let time = Date.now() - 30 * DAY;
    const clock = { now: () => time };

    before(async () => {
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } }, clock);
    });
    after(() => server.close());

    /** A fresh client: tokens are issued on the test clock, which jumps ahead between pushes. */
    const client = () => new TestClient(server.url);

    async function project(name: string): Promise<number> {
      return (await createProject(server.database.db, { name, ownerId: 1, public: false, now: time })).id;
    }

    async function createPolicy(body: unknown): Promise<number> {
      const res = await api(server.url, 'POST', '/retentions', { body });
      assert.equal(res.status, 201, await res.clone().text());
      return Number(res.headers.get('location')!.split('/').pop());
    }

    /** Pushes the images in order, each a minute after the one before; answers their digests by tag. */
    async function pushInOrder(repository: string, tags: string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const tag of tags) {
        time += 60_000;
        out.set(tag, (await client().pushImage(repository, tag, Buffer.from(`${repository}:${tag}:${time}`))).digest);
      }
      return out;
    }

    async function run(
      policyId: number,
      dryRun: boolean,
    ): Promise<{ execution: Record<string, unknown>; rows: LoggedRow[]; tasks: Array<Record<string, unknown>> }> {
      const res = await api(server.url, 'POST', `/retentions/${policyId}/executions`, { body: { dry_run: dryRun } });
      assert.equal(res.status, 201, await res.clone().text());
      const eid = Number(res.headers.get('location')!.split('/').pop());
      for (let i = 0; i < 200; i++) {
        const list = await expectJson<Array<Record<string, unknown>>>(await api(server.url, 'GET', `/retentions/${policyId}/executions?page_size=100`), 200);
        const execution = list.find((e) => e.id === eid)!;
        if (['Success', 'Error', 'Stopped'].includes(String(execution.status))) {
          assert.equal(execution.status, 'Success');
          assertMatchesHarbor('RetentionExecution', list, { array: true });
          const tasks = await expectJson<Array<Record<string, unknown>>>(
            await api(server.url, 'GET', `/retentions/${policyId}/executions/${eid}/tasks?page_size=100`),
            200,
          );
          assertMatchesHarbor('RetentionExecutionTask', tasks, { array: true });
          const rows: LoggedRow[] = [];
          for (const task of tasks) {
            const log = await api(server.url, 'GET', `/retentions/${policyId}/executions/${eid}/tasks/${String(task.id)}`);
            assert.equal(log.status, 200);
            assert.match(log.headers.get('content-type') ?? '', /text\/plain/);
            rows.push(...parseLog(await log.text()));
          }
          return { execution, rows, tasks };
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`execution ${eid} did not finish`);
    }

    async function tagsOf(repository: string): Promise<string[]> {
      const res = await client().request('GET', `/v2/${repository}/tags/list`);
      if (res.status === 404) return [];
      return ((await res.json()) as { tags: string[] | null }).tags ?? [];
    }

    async function digestsOf(projectName: string, repository: string): Promise<string[]> {
      const res = await api(server.url, 'GET', `/projects/${projectName}/repositories/${encodeURIComponent(repository)}/artifacts?page_size=100`);
      if (res.status === 404) return [];
      return (await expectJson<Array<{ digest: string }>>(res, 200)).map((a) => a.digest).sort();
    }

    it('serves the rule templates and selectors', async () => {
      const metadata = await expectJson<{ templates: Array<{ rule_template: string }> }>(await api(server.url, 'GET', '/retentions/metadatas'), 200);
      assertMatchesHarbor('RetentionMetadata', metadata);
      assert.deepEqual(metadata.templates.map((t) => t.rule_template).sort(), [
        'always',
        'latestPulledN',
        'latestPushedK',
        'nDaysSinceLastPull',
        'nDaysSinceLastPush',
      ]);
    });

    it('retention runs delete past permissions: a run or a schedule needs delete in every repository', async () => {
      const id = await project('narrowed');
      await pushInOrder('narrowed/app', ['a1']);
      await pushInOrder('narrowed/other', ['o1', 'o2']);
      const hash = await hashPassword('Passw0rd-for-tests');
      const members: Array<[string, number, string[] | null]> = [
        ['rd-dev', ROLE_IDS.developer, null],
        ['rd-narrow', ROLE_IDS.maintainer, ['app']],
        ['rd-main', ROLE_IDS.maintainer, null],
      ];
      for (const [username, role, patterns] of members) {
        const user = await createUser(server.database.db, { username, passwordHash: hash, sysadmin: false, now: time });
        await server.database.db
          .insertInto('project_members')
          .values({
            project_id: id,
            entity_type: 'u',
            entity_id: user.id,
            role,
            repository_patterns: patterns && JSON.stringify(patterns),
            created_at: time,
            updated_at: time,
          })
          .execute();
      }
      const as = (username: string) => basic(username, 'Passw0rd-for-tests');
      const keepNothing = policy(id, [rule('latestPushedK', { params: { latestPushedK: 0 } })]);
      // A developer may manage the policy (Harbor's matrix) but not schedule or run deletions.
      const created = await api(server.url, 'POST', '/retentions', { authorization: as('rd-dev'), body: keepNothing });
      assert.equal(created.status, 201, await created.clone().text());
      const policyId = Number(created.headers.get('location')!.split('/').pop());
      const scheduled = policy(id, [rule('latestPushedK', { params: { latestPushedK: 0 } })], '0 0 3 * * *');
      assert.equal((await api(server.url, 'POST', '/retentions', { authorization: as('rd-dev'), body: scheduled })).status, 403);
      assert.equal((await api(server.url, 'PUT', `/retentions/${policyId}`, { authorization: as('rd-dev'), body: scheduled })).status, 403);
      for (const username of ['rd-dev', 'rd-narrow']) {
        const res = await api(server.url, 'POST', `/retentions/${policyId}/executions`, { authorization: as(username), body: { dry_run: false } });
        assert.equal(res.status, 403, username);
      }
      assert.equal((await api(server.url, 'POST', `/retentions/${policyId}/executions`, { authorization: as('rd-dev'), body: { dry_run: true } })).status, 201);
      await new Promise((r) => setTimeout(r, 500));
      const tags = await expectJson<unknown[]>(await api(server.url, 'GET', '/projects/narrowed/repositories/other/artifacts'), 200);
      assert.equal(tags.length, 2, 'nothing was deleted');
      assert.equal((await api(server.url, 'POST', `/retentions/${policyId}/executions`, { authorization: as('rd-main'), body: { dry_run: true } })).status, 201);
      assert.equal((await api(server.url, 'PUT', `/retentions/${policyId}`, { authorization: as('rd-main'), body: scheduled })).status, 200);
    });

    it('refuses a retention cron firing more than once a minute with 400', async () => {
      const id = await project('everysecond');
      const good = rule('latestPushedK', { params: { latestPushedK: 1 } });
      for (const cron of ['* * * * * *', '*/5 * * * * *']) {
        const res = await api(server.url, 'POST', '/retentions', { body: policy(id, [good], cron) });
        assert.equal(res.status, 400, cron);
        assert.match(await res.text(), /once a minute/);
      }
      const created = await api(server.url, 'POST', '/retentions', { body: policy(id, [good], '0 * * * * *') });
      assert.equal(created.status, 201, await created.text());
      const policyId = Number(created.headers.get('location')?.split('/').pop());
      const update = await api(server.url, 'PUT', `/retentions/${policyId}`, { body: policy(id, [good], '* * * * * *') });
      assert.equal(update.status, 400);
      assert.equal((await findSchedule(server.database.db, 'RETENTION', policyId))?.cron, '0 * * * * *');
    });

    it('refuses malformed policies with 400', async () => {
      const id = await project('invalid');
      const good = rule('latestPushedK', { params: { latestPushedK: 1 } });
      const bad: unknown[] = [
        policy(
          id,
          Array.from({ length: 16 }, () => good),
        ),
        policy(id, [{ ...good, template: 'keepEverythingForever' }]),
        policy(id, [good], 'not a cron'),
        policy(id, [rule('latestPushedK')]),
        policy(id, [{ ...good, tag_selectors: [{ kind: 'regex', decoration: 'matches', pattern: '.*' }] }]),
        policy(id, [{ ...good, tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{oops' }] }]),
        { ...policy(id, [good]), scope: { level: 'system', ref: id } },
      ];
      for (const body of bad) assert.equal((await api(server.url, 'POST', '/retentions', { body })).status, 400, JSON.stringify(body).slice(0, 200));
      assert.equal(
        (
          await api(server.url, 'POST', '/retentions', {
            body: policy(
              id,
              Array.from({ length: 15 }, () => good),
            ),
          })
        ).status,
        201,
      );
      // One policy per project, as Harbor: the second is refused.
      assert.equal((await api(server.url, 'POST', '/retentions', { body: policy(id, [good]) })).status, 400);
    });

    it('stores the policy in project metadata and its trigger as a schedule', async () => {
      const id = await project('scheduled');
      const policyId = await createPolicy(policy(id, [rule('always')], '0 0 3 * * *'));
      const project_ = await expectJson<{ metadata: Record<string, string> }>(await api(server.url, 'GET', '/projects/scheduled'), 200);
      assert.equal(project_.metadata.retention_id, String(policyId));
      const read = await expectJson<Record<string, unknown>>(await api(server.url, 'GET', `/retentions/${policyId}`), 200);
      assertMatchesHarbor('RetentionPolicy', read);
      assert.deepEqual(read.trigger, { kind: 'Schedule', settings: { cron: '0 0 3 * * *' }, references: {} });
      assert.deepEqual(read.scope, { level: 'project', ref: id });
      assert.equal((await findSchedule(server.database.db, 'RETENTION', policyId))?.cron, '0 0 3 * * *');

      await expectJson(await api(server.url, 'PUT', `/retentions/${policyId}`, { body: policy(id, [rule('always')], '0 30 * * * *') }), 200);
      assert.equal((await findSchedule(server.database.db, 'RETENTION', policyId))?.cron, '0 30 * * * *');
      assert.equal((await api(server.url, 'PUT', `/retentions/${policyId}`, { body: policy(id, [rule('always')], '99 * *') })).status, 400);
      assert.equal((await findSchedule(server.database.db, 'RETENTION', policyId))?.cron, '0 30 * * * *');
      await expectJson(await api(server.url, 'PUT', `/retentions/${policyId}`, { body: policy(id, [rule('always')]) }), 200);
      assert.equal(await findSchedule(server.database.db, 'RETENTION', policyId), undefined);

      await expectJson(await api(server.url, 'DELETE', `/retentions/${policyId}`), 200);
      assert.equal((await api(server.url, 'GET', `/retentions/${policyId}`)).status, 404);
      const after_ = await expectJson<{ metadata: Record<string, string> }>(await api(server.url, 'GET', '/projects/scheduled'), 200);
      assert.equal(after_.metadata.retention_id, undefined);
    });

    it('lets members Harbor allows manage retention, and refuses guests', async () => {
      const id = await project('guarded');
      const db = server.database.db;
      for (const [name, role] of [
        ['ret-guest', ROLE_IDS.guest],
        ['ret-dev', ROLE_IDS.developer],
        ['ret-maint', ROLE_IDS.maintainer],
      ] as const) {
        const user = await createUser(db, { username: name, passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: time });
        await db
          .insertInto('project_members')
          .values({ project_id: id, entity_type: 'u', entity_id: user.id, role, repository_patterns: null, created_at: 1, updated_at: 1 })
          .execute();
      }
      const body = policy(id, [rule('always')]);
      assert.equal((await api(server.url, 'POST', '/retentions', { body, authorization: basic('ret-guest', PASSWORD) })).status, 403);
      assert.equal((await api(server.url, 'POST', '/retentions', { body, authorization: null })).status, 401);
      const created = await api(server.url, 'POST', '/retentions', { body, authorization: basic('ret-maint', PASSWORD) });
      assert.equal(created.status, 201);
      const policyId = Number(created.headers.get('location')!.split('/').pop());
      assert.equal((await api(server.url, 'GET', `/retentions/${policyId}`, { authorization: basic('ret-guest', PASSWORD) })).status, 403);
      assert.equal(
        (await api(server.url, 'POST', `/retentions/${policyId}/executions`, { body: { dry_run: true }, authorization: basic('ret-guest', PASSWORD) })).status,
        403,
      );
      // Harbor's matrix gives developers the whole tag-retention resource.
      assert.equal((await api(server.url, 'GET', `/retentions/${policyId}`, { authorization: basic('ret-dev', PASSWORD) })).status, 200);
      const outsider = await createUser(db, { username: 'ret-outsider', passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: time });
      assert.ok(outsider.id);
      assert.equal((await api(server.url, 'GET', `/retentions/${policyId}`, { authorization: basic('ret-outsider', PASSWORD) })).status, 404);
    });

    it('latestPushedK keeps the K most recently pushed and frees their quota', async () => {
      const id = await project('pushedk');
      const digests = await pushInOrder('pushedk/app', ['v1', 'v2', 'v3', 'v4']);
      const usedBefore = (await expectJson<{ used: { storage: number } }[]>(await api(server.url, 'GET', `/quotas?reference=project&reference_id=${id}`), 200))[0]!
        .used.storage;
      const policyId = await createPolicy(policy(id, [rule('latestPushedK', { params: { latestPushedK: 2 } })]));
      const { rows, tasks } = await run(policyId, false);
      assert.deepEqual(
        tasks.map((t) => [t.repository, t.total, t.retained]),
        [['app', 4, 2]],
      );
      assert.deepEqual(
        rows
          .filter((r) => r.decision === 'DELETED')
          .map((r) => r.digest)
          .sort(),
        [digests.get('v1'), digests.get('v2')].sort(),
      );
      assert.deepEqual((await tagsOf('pushedk/app')).sort(), ['v3', 'v4']);
      const usedAfter = (await expectJson<{ used: { storage: number } }[]>(await api(server.url, 'GET', `/quotas?reference=project&reference_id=${id}`), 200))[0]!
        .used.storage;
      assert.ok(usedAfter < usedBefore, `${usedAfter} < ${usedBefore}`);
      const events = await server.database.db
        .selectFrom('events')
        .select(['type', 'digest'])
        .where('project_id', '=', id)
        .where('type', 'in', ['DELETE_ARTIFACT', 'TAG_RETENTION'])
        .execute();
      assert.deepEqual(
        events
          .filter((e) => e.type === 'DELETE_ARTIFACT')
          .map((e) => e.digest)
          .sort(),
        [digests.get('v1'), digests.get('v2')].sort(),
      );
      assert.equal(events.filter((e) => e.type === 'TAG_RETENTION').length, 1);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select('resource')
        .where('project_id', '=', id)
        .where('resource_type', '=', 'artifact')
        .where('operation', '=', 'delete')
        .execute();
      assert.equal(audit.length, 2);
    });

    it('nDaysSinceLastPush keeps what was pushed within N days', async () => {
      const id = await project('pushdays');
      await pushInOrder('pushdays/app', ['old']);
      time += 5 * DAY;
      await pushInOrder('pushdays/app', ['new']);
      const policyId = await createPolicy(policy(id, [rule('nDaysSinceLastPush', { params: { nDaysSinceLastPush: 3 } })]));
      await run(policyId, false);
      assert.deepEqual(await tagsOf('pushdays/app'), ['new']);
    });

    it('latestPulledN and nDaysSinceLastPull go by pull time', async () => {
      const pulled = await project('pulled');
      await pushInOrder('pulled/app', ['a', 'b', 'c']);
      const pull = async (tag: string) => {
        time += 60_000;
        const res = await client().request('GET', `/v2/pulled/app/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      };
      await pull('a');
      time += 10 * DAY;
      await pull('c');
      // Pull times are written in batches every few seconds.
      const db = server.database.db;
      for (let i = 0; i < 100; i++) {
        const recorded = await db.selectFrom('artifacts').select('id').where('pull_time', 'is not', null).execute();
        if (recorded.length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const policyId = await createPolicy(policy(pulled, [rule('nDaysSinceLastPull', { params: { nDaysSinceLastPull: 2 } })]));
      const dry = await run(policyId, true);
      assert.deepEqual(
        dry.rows.filter((r) => r.decision === 'RETAINED').flatMap((r) => r.retained),
        ['c'],
      );
      await expectJson(
        await api(server.url, 'PUT', `/retentions/${policyId}`, { body: policy(pulled, [rule('latestPulledN', { params: { latestPulledN: 2 } })]) }),
        200,
      );
      await run(policyId, false);
      // a and c were pulled (c last); b never was, so it is the one past the two places.
      assert.deepEqual((await tagsOf('pulled/app')).sort(), ['a', 'c']);
    });

    it('keeps immutable tags whatever the rules say', async () => {
      const id = await project('frozen');
      await expectJson(
        await api(server.url, 'POST', '/projects/frozen/immutabletagrules', {
          body: {
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'release-*' }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
          },
        }),
        201,
      );
      await pushInOrder('frozen/app', ['release-1', 'dev-1', 'dev-2']);
      const policyId = await createPolicy(policy(id, [rule('latestPushedK', { params: { latestPushedK: 1 } })]));
      const { rows } = await run(policyId, false);
      assert.deepEqual((await tagsOf('frozen/app')).sort(), ['dev-2', 'release-1']);
      assert.deepEqual(
        rows.filter((r) => r.decision === 'DELETED').flatMap((r) => r.deleted),
        ['dev-1'],
      );
    });

    it('a dry run reports exactly what the real run then deletes, through selectors, untagged artifacts and excludes', async () => {
      const id = await project('mixed');
      const digests = await pushInOrder('mixed/app', ['keep-1', 'dev-1', 'overwritten', 'release-1']);
      // Pushing other content under an existing tag leaves the first artifact untagged.
      const untagged = digests.get('overwritten')!;
      await pushInOrder('mixed/app', ['overwritten']);
      await client().pushManifest(
        'mixed/app',
        'tmp-1',
        (await (
          await client().request('GET', `/v2/mixed/app/manifests/release-1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })
        ).json()) as object,
      );
      // In lonely, the first image loses its tag to the second.
      const lonelyUntagged = (await pushInOrder('mixed/lonely', ['x'])).get('x')!;
      const lonelyTagged = (await pushInOrder('mixed/lonely', ['x'])).get('x')!;
      await pushInOrder('mixed/untouched', ['old-1', 'old-2']);
      const before = {
        app: await digestsOf('mixed', 'app'),
        lonely: await digestsOf('mixed', 'lonely'),
        untouched: await digestsOf('mixed', 'untouched'),
      };
      assert.equal(before.app.length, 5);
      assert.ok(before.app.includes(untagged));

      const rules = [
        // In app: every tag but dev-* and tmp-*; untagged artifacts are not taken.
        rule('always', {
          tags: [
            { decoration: 'excludes', pattern: 'dev-*' },
            { decoration: 'excludes', pattern: 'tmp-*' },
          ],
          repos: [{ decoration: 'repoMatches', pattern: 'app' }],
        }),
        // In lonely: only untagged artifacts (no tag is called nothing-*).
        rule('always', { tags: [{ decoration: 'matches', pattern: 'nothing-*', untagged: true }], repos: [{ decoration: 'repoMatches', pattern: 'lonely' }] }),
        // untouched is excluded from every rule, so nothing there is a candidate.
        rule('latestPushedK', { params: { latestPushedK: 0 }, repos: [{ decoration: 'repoExcludes', pattern: '{app,lonely,untouched}' }] }),
      ];
      const policyId = await createPolicy(policy(id, rules));
      const dry = await run(policyId, true);
      assert.equal(dry.execution.dry_run, true);
      assert.deepEqual(await digestsOf('mixed', 'app'), before.app, 'a dry run deletes nothing');
      assert.deepEqual(dry.tasks.map((t) => t.repository).sort(), ['app', 'lonely']);

      const predictedArtifacts = dry.rows
        .filter((r) => r.decision === 'DELETED')
        .map((r) => r.digest)
        .sort();
      const predictedTags = dry.rows.flatMap((r) => r.deleted).sort();
      assert.deepEqual(predictedArtifacts, [digests.get('dev-1'), untagged, lonelyTagged].sort());
      assert.deepEqual(predictedTags, ['dev-1', 'tmp-1', 'x']);

      const real = await run(policyId, false);
      assert.deepEqual(
        real.rows
          .filter((r) => r.decision === 'DELETED')
          .map((r) => r.digest)
          .sort(),
        predictedArtifacts,
      );
      const after_ = { app: await digestsOf('mixed', 'app'), lonely: await digestsOf('mixed', 'lonely'), untouched: await digestsOf('mixed', 'untouched') };
      const gone = [...before.app, ...before.lonely, ...before.untouched].filter((d) => ![...after_.app, ...after_.lonely, ...after_.untouched].includes(d)).sort();
      assert.deepEqual(gone, predictedArtifacts, 'the real run deleted exactly the artifacts the dry run reported');
      assert.deepEqual((await tagsOf('mixed/app')).sort(), ['keep-1', 'overwritten', 'release-1']);
      assert.deepEqual(after_.lonely, [lonelyUntagged]);
      assert.deepEqual(after_.untouched, before.untouched);
      const tagEvents = await server.database.db.selectFrom('events').select('tag').where('project_id', '=', id).where('type', '=', 'DELETE_TAG').execute();
      assert.deepEqual(
        tagEvents.map((e) => e.tag),
        ['tmp-1'],
      );
    });
  });
}
