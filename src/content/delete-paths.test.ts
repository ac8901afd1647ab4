import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pushImageWithHistory, pushIndex, pushReferrer } from '../artifacts/fixtures.suite.js';
import { runGc } from '../gc/fixtures.suite.js';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';
import { Receiver } from '../testing/receiver.js';
import { countedUsage } from './usage.js';

type Delivery = { type?: string; event_data?: { resources?: Array<{ digest?: string }>; repository?: { repo_full_name?: string } } };

/** Digests of the DELETE_ARTIFACT deliveries the receiver got for the repository. */
function deletedIn(receiver: Receiver, repository: string): string[] {
  return receiver.received
    .map((r) => r.body as Delivery)
    .filter((b) => b.type === 'DELETE_ARTIFACT' && b.event_data?.repository?.repo_full_name === repository)
    .map((b) => b.event_data?.resources?.[0]?.digest ?? '')
    .sort();
}

/** An index of two untagged platform images, with a signature and an SBOM attached to the index. */
interface Family {
  index: string;
  children: string[];
  signature: string;
  sbom: string;
}

type Path = 'registry' | 'api' | 'retention' | 'gc';
const PATHS: readonly Path[] = ['registry', 'api', 'retention', 'gc'];

for (const dialect of testDialects()) {
  describe(`one deletion rule on every path (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const receiver = new Receiver();

    before(async () => {
      await receiver.start();
      // The receiver listens on loopback, which webhooks reach only when allowed.
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 }, gc: { graceMinutes: 0 }, outbound: { allowPrivateNetworks: true } });
      client = new TestClient(server.url);
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    async function pushFamily(name: string, tagged: boolean): Promise<Family> {
      const amd = await pushImageWithHistory(client, name, 'tmp-amd64', 'amd64');
      const arm = await pushImageWithHistory(client, name, 'tmp-arm64', 'arm64');
      for (const tag of ['tmp-amd64', 'tmp-arm64']) assert.equal((await client.request('DELETE', `/v2/${name}/manifests/${tag}`)).status, 202);
      const children = [
        { digest: amd.digest, size: amd.size, architecture: 'amd64' },
        { digest: arm.digest, size: arm.size, architecture: 'arm64' },
      ];
      const index = await pushIndex(client, name, 'v1', children);
      if (!tagged) assert.equal((await client.request('DELETE', `/v2/${name}/manifests/v1`)).status, 202);
      const indexSize = Number((await client.request('HEAD', `/v2/${name}/manifests/${index.digest}`)).headers.get('content-length'));
      const signature = await pushReferrer(client, name, { digest: index.digest, size: indexSize }, 'cosign');
      const sbom = await pushReferrer(client, name, { digest: index.digest, size: indexSize }, 'sbom');
      // Referrers are pushed under a tag named for their subject, as cosign does; untagged here, so only their subject holds them.
      for (const digest of [signature.digest, sbom.digest]) {
        for (const tag of (await client.request('GET', `/v2/${name}/tags/list`).then((r) => r.json() as Promise<{ tags: string[] }>)).tags) {
          const head = await client.request('HEAD', `/v2/${name}/manifests/${tag}`);
          if (head.headers.get('docker-content-digest') === digest) await client.request('DELETE', `/v2/${name}/manifests/${tag}`);
        }
      }
      return { index: index.digest, children: children.map((c) => c.digest), signature: signature.digest, sbom: sbom.digest };
    }

    async function usage(projectId: number): Promise<number> {
      const [quota] = await expectJson<Array<{ used: { storage: number } }>>(
        await api(server.url, 'GET', `/quotas?reference=project&reference_id=${projectId}`),
        200,
      );
      return quota!.used.storage;
    }

    async function deleteBy(path: Path, project: string, projectId: number, family: Family): Promise<void> {
      const name = `${project}/app`;
      if (path === 'registry') {
        assert.equal((await client.request('DELETE', `/v2/${name}/manifests/${family.index}`)).status, 202);
      } else if (path === 'api') {
        assert.equal((await api(server.url, 'DELETE', `/projects/${project}/repositories/app/artifacts/${family.index}`)).status, 200);
      } else if (path === 'retention') {
        const rule = {
          disabled: false,
          action: 'retain',
          template: 'always',
          params: {},
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'keep' }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        };
        const created = await api(server.url, 'POST', '/retentions', {
          body: { algorithm: 'or', rules: [rule], trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: projectId } },
        });
        assert.equal(created.status, 201, await created.clone().text());
        const policyId = Number(created.headers.get('location')!.split('/').pop());
        assert.equal((await api(server.url, 'POST', `/retentions/${policyId}/executions`, { body: { dry_run: false } })).status, 201);
        await eventually(async () => {
          const [run] = await expectJson<Array<{ status: string }>>(await api(server.url, 'GET', `/retentions/${policyId}/executions`), 200);
          if (run?.status === 'Error') throw new Error('retention failed');
          return run?.status === 'Success' ? true : undefined;
        });
      } else {
        const result = await runGc(server.url, { delete_untagged: true });
        assert.equal(result.status, 'Success');
      }
    }

    for (const [i, path] of PATHS.entries()) {
      it(`by ${path}: accessories and orphaned children go, quota is released, one event and one audit row per artifact`, async () => {
        const project = `del-${path}`;
        const created = await api(server.url, 'POST', '/projects', { body: { project_name: project, metadata: { public: 'false' } } });
        assert.equal(created.status, 201);
        const projectId = Number(created.headers.get('location')!.split('/').pop());
        await expectJson(
          await api(server.url, 'POST', `/projects/${project}/webhook/policies`, {
            body: { name: 'deletes', targets: [{ type: 'http', address: `${receiver.url}/${path}` }], event_types: ['DELETE_ARTIFACT'], enabled: true },
          }),
          201,
        );
        const name = `${project}/app`;
        await pushImageWithHistory(client, name, 'keep', `keep-${i}`);
        const before = await usage(projectId);
        // GC deletes untagged artifacts only; the other paths delete the tagged index.
        const family = await pushFamily(name, path !== 'gc');
        assert.ok((await usage(projectId)) > before);

        await deleteBy(path, project, projectId, family);

        const gone = [family.index, ...family.children, family.signature, family.sbom];
        for (const digest of gone) assert.equal((await client.request('GET', `/v2/${name}/manifests/${digest}`)).status, 404, `${digest} is gone`);
        assert.equal((await client.request('GET', `/v2/${name}/manifests/keep`)).status, 200);
        assert.equal(await usage(projectId), before);
        assert.equal(await countedUsage(server.database.db, projectId), before);

        const events = await server.database.db.selectFrom('events').select('digest').where('type', '=', 'DELETE_ARTIFACT').where('repository', '=', name).execute();
        assert.deepEqual(events.map((e) => e.digest).sort(), [...gone].sort());
        await eventually(async () => (deletedIn(receiver, name).length >= gone.length ? true : undefined));
        assert.deepEqual(deletedIn(receiver, name), [...gone].sort());
        const audits = await server.database.db
          .selectFrom('audit_logs')
          .select('resource')
          .where('operation', '=', 'delete')
          .where('resource_type', '=', 'artifact')
          .where('project_id', '=', projectId)
          .execute();
        assert.deepEqual(audits.map((a) => a.resource).sort(), gone.map((d) => `${name}@${d}`).sort());
      });
    }
  });
}
