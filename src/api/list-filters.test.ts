import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';

type Json = Record<string, unknown>;

const DAY = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1);

function q(value: string): string {
  return `q=${encodeURIComponent(value)}`;
}

for (const dialect of testDialects()) {
  describe(`q on the remaining Harbor lists (${dialect.name})`, () => {
    let server: TestServer;
    let policyId: number;
    let executionIds: number[];

    async function list(path: string, status = 200): Promise<{ body: Json[]; total: number }> {
      const res = await api(server.url, 'GET', path);
      const body = await expectJson<Json[]>(res, status);
      return { body, total: Number(res.headers.get('x-total-count')) };
    }

    async function refused(path: string, message: RegExp): Promise<void> {
      const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(await api(server.url, 'GET', path), 400);
      assertMatchesHarbor('Errors', body);
      assert.match(body.errors[0]?.message ?? '', message);
    }

    /** Executions of one vendor, one a day from 2026-01-01, with the statuses given, each with tasks of those statuses. */
    async function insertExecutions(vendorType: string, vendorId: number, statuses: ReadonlyArray<'Success' | 'Error' | 'Running'>): Promise<number[]> {
      const ids: number[] = [];
      for (const [i, status] of statuses.entries()) {
        const at = JAN_1 + i * DAY;
        const row = await server.database.db
          .insertInto('executions')
          .values({
            vendor_type: vendorType,
            vendor_id: vendorId,
            status,
            trigger: i === 0 ? 'MANUAL' : 'EVENT',
            start_time: at,
            end_time: at + 1000,
            update_time: at + 1000,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        for (const taskStatus of statuses) {
          await server.database.db
            .insertInto('tasks')
            .values({
              execution_id: row.id,
              kind: 'NO_SUCH_KIND',
              status: taskStatus,
              run_after: at,
              created_at: at,
              start_time: at,
              end_time: at + 1000,
              update_time: at + 1000,
            })
            .execute();
        }
        ids.push(row.id);
      }
      return ids;
    }

    before(async () => {
      // The executions below are dated; housekeeping (hourly, at :35) must not purge them mid-test.
      server = await startTestServer(dialect, { housekeeping: { eventsDays: 7, executionsDays: 36_500 } });
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'hooks', metadata: { public: 'false' } } }), 201);
      for (const name of ['red', 'green', 'dark-red', 'blue']) {
        await expectJson(await api(server.url, 'POST', '/labels', { body: { name, scope: 'g', color: '#ff0000' } }), 201);
      }
      for (const [name, enabled] of [
        ['audit-hook', true],
        ['chat-hook', true],
        ['old-hook', false],
      ] as const) {
        const res = await api(server.url, 'POST', '/projects/hooks/webhook/policies', {
          body: { name, enabled, targets: [{ address: 'https://hooks.example.com/x' }], event_types: ['PUSH_ARTIFACT'] },
        });
        assert.equal(res.status, 201, await res.text());
        if (name === 'audit-hook') policyId = Number(res.headers.get('location')?.split('/').pop());
      }
      executionIds = await insertExecutions('WEBHOOK', policyId, ['Success', 'Error', 'Success', 'Running']);
      await insertExecutions('GARBAGE_COLLECTION', 0, ['Success', 'Error', 'Success']);
      await insertExecutions('PURGE_AUDIT_LOG', 0, ['Error', 'Success']);
    });
    after(() => server.close());

    it('lists labels with q=name=~…, q=name={a b} and q=name=(a b), and keeps the name parameter', async () => {
      const names = async (query: string) => (await list(`/labels?scope=g&${query}`)).body.map((l) => l.name).sort();
      assert.deepEqual(await names(q('name=~red')), ['dark-red', 'red']);
      assert.deepEqual(await names(q('name={red blue}')), ['blue', 'red']);
      assert.deepEqual(await names(q('name=(red red)')), ['red']);
      assert.deepEqual(await names(q('name=(red blue)')), []);
      assert.deepEqual(await names(`name=re&${q('name={red green blue}')}`), ['green', 'red']);
      const page = await list(`/labels?scope=g&page_size=1&${q('name={red green blue}')}`);
      assert.equal(page.total, 3, 'X-Total-Count counts the filtered labels');
      assert.equal(page.body.length, 1);
      assertMatchesHarbor('Label', page.body, { array: true });
      assert.equal((await list(`/labels?scope=g&${q('creation_time=[2000-01-01~2001-01-01]')}`)).total, 0);
      await refused(`/labels?scope=g&${q('colour=red')}`, /unsupported query key "colour"/);
    });

    it('lists webhook policies with q=name=~…, q=name={a b} and q=enabled=false', async () => {
      const names = async (query: string) => (await list(`/projects/hooks/webhook/policies?${query}`)).body.map((p) => p.name).sort();
      assert.deepEqual(await names(q('name=~hook')), ['audit-hook', 'chat-hook', 'old-hook']);
      assert.deepEqual(await names(q('name={audit-hook old-hook nope}')), ['audit-hook', 'old-hook']);
      assert.deepEqual(await names(q('enabled=false')), ['old-hook']);
      const page = await list(`/projects/hooks/webhook/policies?page_size=1&${q('enabled=true')}`);
      assert.equal(page.total, 2);
      assertMatchesHarbor('WebhookPolicy', page.body, { array: true });
      await refused(`/projects/hooks/webhook/policies?${q('enabled=maybe')}`, /enabled must be true or false/);
      await refused(`/projects/hooks/webhook/policies?${q('target=x')}`, /unsupported query key "target"/);
    });

    it('lists webhook executions and their tasks with q=status={a b}, trigger and start_time ranges', async () => {
      const base = `/projects/hooks/webhook/policies/${policyId}/executions`;
      const statuses = async (query: string) => (await list(`${base}?${query}`)).body.map((e) => e.status);
      assert.deepEqual(await statuses(q('status={Error Running}')), ['Running', 'Error']);
      assert.deepEqual(await statuses(q('trigger=MANUAL')), ['Success']);
      assert.deepEqual(await statuses(q('start_time=[2026-01-02~2026-01-03]')), ['Success', 'Error']);
      assert.deepEqual(await statuses(q('status=Success,start_time=[2026-01-02 00:00:00~]')), ['Success']);
      const page = await list(`${base}?page_size=1&${q('status=Success')}`);
      assert.equal(page.total, 2);
      assertMatchesHarbor(
        'Execution',
        page.body.map(({ extra_attrs: _extra, ...rest }) => rest),
        { array: true },
      );

      const tasks = `${base}/${executionIds[0]}/tasks`;
      const taskPage = await list(`${tasks}?page_size=1&${q('status={Success Running}')}`);
      assert.equal(taskPage.total, 3, 'X-Total-Count counts the filtered tasks');
      assert.equal(taskPage.body.length, 1);
      assertMatchesHarbor(
        'Task',
        taskPage.body.map(({ extra_attrs: _extra, ...rest }) => rest),
        { array: true },
      );
      assert.equal((await list(`${tasks}?${q('status=Error')}`)).total, 1);
      await refused(`${tasks}?${q('kind=x')}`, /unsupported query key "kind"/);
      await refused(`${base}?${q('start_time=yesterday')}`, /invalid start_time/);
    });

    it('lists GC and audit-log purge history with q=job status and creation_time', async () => {
      const gc = await list(`/system/gc?${q('status={Error Success}')}`);
      assert.equal(gc.total, 3);
      assertMatchesHarbor('GCHistory', gc.body, { array: true });
      assert.deepEqual(
        (await list(`/system/gc?${q('status=Error')}`)).body.map((h) => h.job_status),
        ['Error'],
      );
      assert.equal((await list(`/system/gc?${q('creation_time=[~2026-01-01]')}`)).total, 1);
      const purge = await list(`/system/purgeaudit?${q('status=Success')}`);
      assert.equal(purge.total, 1);
      assertMatchesHarbor('ExecHistory', purge.body, { array: true });
      await refused(`/system/gc?${q('vendor_type=GC')}`, /unsupported query key "vendor_type"/);
    });

    it('lists immutability rules with q=disabled=… and pages them in SQL', async () => {
      for (const [pattern, disabled] of [
        ['a-*', false],
        ['b-*', true],
        ['c-*', false],
      ] as const) {
        const body = {
          disabled,
          action: 'immutable',
          template: 'immutable_template',
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        };
        assert.equal((await api(server.url, 'POST', '/projects/hooks/immutabletagrules', { body })).status, 201);
      }
      const enabled = await list(`/projects/hooks/immutabletagrules?page_size=1&${q('disabled=false')}`);
      assert.equal(enabled.total, 2);
      assert.equal(enabled.body.length, 1);
      assertMatchesHarbor('ImmutableRule', enabled.body, { array: true });
      assert.equal((await list(`/projects/hooks/immutabletagrules?${q('disabled={true false}')}`)).total, 3);
      await refused(`/projects/hooks/immutabletagrules?${q('pattern=a')}`, /unsupported query key "pattern"/);
    });

    it('lists an artifact’s accessories with q=type={a b}', async () => {
      const client = new TestClient(server.url);
      const pushed = await client.pushImage('hooks/app', 'v1');
      const subject = { digest: pushed.digest, size: Buffer.byteLength(JSON.stringify(pushed.manifest)) };
      await client.pushArtifact('hooks/app', 'sig', {
        config: { data: Buffer.from('{}'), mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ data: Buffer.from('{"critical":{}}'), mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
        subject,
      });
      await client.pushArtifact('hooks/app', 'sbom', {
        artifactType: 'application/spdx+json',
        config: { data: Buffer.from('{}'), mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ data: Buffer.from('{"spdxVersion":"SPDX-2.3"}'), mediaType: 'application/spdx+json' }],
        subject,
      });
      const base = `/projects/hooks/repositories/app/artifacts/${pushed.digest}/accessories`;
      const all = await list(base);
      assert.equal(all.total, 2);
      assertMatchesHarbor('Accessory', all.body, { array: true });
      const types = all.body.map((a) => String(a.type));
      const first = await list(`${base}?${q(`type=${types[0]}`)}`);
      assert.deepEqual(
        first.body.map((a) => a.type),
        [types[0]],
      );
      assert.equal((await list(`${base}?${q(`type={${types.join(' ')}}`)}`)).total, 2);
      assert.equal((await list(`${base}?${q(`type=(${types.join(' ')})`)}`)).total, 0);
      await refused(`${base}?${q('subject=x')}`, /unsupported query key "subject"/);
    });

    it('refuses a {…} list of more than 100 values on these lists', async () => {
      const many = Array.from({ length: 101 }, (_, i) => `n${i}`).join(' ');
      await refused(`/labels?scope=g&${q(`name={${many}}`)}`, /more than 100 values/);
      await refused(`/system/gc?${q(`status={${many}}`)}`, /more than 100 values/);
    });
  });
}
