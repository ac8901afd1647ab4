/**
 * GC survives a crash: a garbage collection over enough blobs to take a while (small batches)
 * is SIGKILLed mid-run with the server; after a restart on the same data dir the job service
 * takes the run over when its lease expires, and it finishes: the garbage is gone and what
 * was kept pulls back byte for byte.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { basic, TestClient } from '../../src/testing/client.js';
import { ADMIN_PASSWORD, ADMIN_USER, BERTH_ONLY, RegistryServer, sleep } from './harness.js';

const GARBAGE = 400;
const REPO = 'library/gc-crash';

describe('garbage collection across a crash', { skip: BERTH_ONLY }, () => {
  let server: RegistryServer;
  let client: TestClient;
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  const gcApi = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/api/v2.0/system/gc${path}`, {
      method,
      headers: { authorization: admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  before(async () => {
    server = await RegistryServer.start({ BERTH_GC_GRACE_MINUTES: '0', BERTH_GC_BATCH_SIZE: '2', BERTH_JOBS_POLL_INTERVAL_MS: '100' });
    client = new TestClient(server.url, admin);
  });
  after(() => server.stop());

  test('a GC killed half way is resumed after the restart and finishes', { timeout: 240_000 }, async () => {
    const kept: Array<{ tag: string; digest: string; layer: Buffer }> = [];
    for (let i = 0; i < 5; i++) {
      const layer = randomBytes(5000);
      const { digest } = await client.pushImage(REPO, `keep-${i}`, layer);
      kept.push({ tag: `keep-${i}`, digest, layer });
    }
    const garbage: string[] = [];
    for (let i = 0; i < GARBAGE; i += 8) {
      garbage.push(...(await Promise.all(Array.from({ length: 8 }, () => client.pushBlob(REPO, randomBytes(1000))))));
    }

    const started = await gcApi('POST', '/schedule', { schedule: { type: 'Manual' }, parameters: { delete_untagged: true } });
    assert.equal(started.status, 201, await started.text());
    const id = Number(/(\d+)$/.exec(started.headers.get('location') ?? '')![1]);

    // Kill once the sweep has deleted something but not everything.
    let purgedAtKill = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(20)) {
      const run = (await (await gcApi('GET', `/${id}`)).json()) as { job_status: string; job_parameters: string };
      purgedAtKill = (JSON.parse(run.job_parameters) as { purged_blobs?: number }).purged_blobs ?? 0;
      assert.equal(run.job_status === 'Success', false, 'GC finished before the kill: make it bigger');
      if (purgedAtKill > 0) break;
    }
    assert.ok(purgedAtKill > 0 && purgedAtKill < GARBAGE, `killed after ${purgedAtKill} of ${GARBAGE} blobs`);
    await server.kill();
    await server.restart();

    let final: { job_status: string; job_parameters: string } | undefined;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(250)) {
      const run = (await (await gcApi('GET', `/${id}`)).json()) as { job_status: string; job_parameters: string };
      if (!['Pending', 'Running'].includes(run.job_status)) {
        final = run;
        break;
      }
    }
    assert.ok(final, 'the run finished after the restart');
    assert.equal(final.job_status, 'Success');
    const attrs = JSON.parse(final.job_parameters) as { purged_blobs: number };
    assert.ok(attrs.purged_blobs >= GARBAGE, `purged ${attrs.purged_blobs} blobs`);
    const log = await (await gcApi('GET', `/${id}/log`)).text();
    assert.match(log, /bytes freed/);

    for (const digest of garbage) {
      const res = await client.request('HEAD', `/v2/${REPO}/blobs/${digest}`);
      assert.equal(res.status, 404, `garbage ${digest} is gone`);
    }
    for (const image of kept) {
      const res = await client.request('GET', `/v2/${REPO}/manifests/${image.tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(res.status, 200);
      const manifest = (await res.json()) as { layers: Array<{ digest: string }> };
      const blob = await client.request('GET', `/v2/${REPO}/blobs/${manifest.layers[0]!.digest}`);
      assert.deepEqual(Buffer.from(await blob.arrayBuffer()), image.layer);
    }
  });
});
