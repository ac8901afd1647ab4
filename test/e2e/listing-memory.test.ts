/**
 * Listings cost what the database holds, not what a client planted: artifacts sharing a
 * 4 MB config, listed by eight anonymous clients at once, keep the server's memory small.
 * The server runs as its own process so its resident memory is what is measured.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { basic, TestClient } from '../../src/testing/client.js';
import { ADMIN_PASSWORD, ADMIN_USER, BERTH_ONLY, RegistryServer } from './harness.js';

const ARTIFACTS = 100;
const CONCURRENT_LISTINGS = 8;
/**
 * What the listings may add to the server's resident memory. The bound is on the growth, not on
 * the total: the total starts with the code of every feature loaded, which grows with Berth and
 * says nothing about what a client can make one request cost.
 */
const RSS_GROWTH_BOUND_MIB = 140;
const MiB = 1024 * 1024;

/** Peak resident memory (VmHWM) of a process, in bytes. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Starts the peak over from the current resident memory (Linux: "5" to clear_refs). */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

describe('memory of artifact listings', { skip: BERTH_ONLY }, () => {
  let server: RegistryServer;

  before(async () => {
    server = await RegistryServer.start();
    const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
    const made = await fetch(`${server.url}/api/v2.0/projects/library`, {
      method: 'PUT',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { public: 'true' } }),
    });
    assert.equal(made.status, 200, await made.text());
    const client = new TestClient(server.url, admin);
    // Most of the 4 MB is in `config`, which listings would show as extra_attrs.
    const labels = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`label-${i}`, 'x'.repeat(4000)]));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: labels } }));
    assert.ok(config.length > 4_000_000);
    const configDescriptor = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: await client.pushBlob('library/planted', config),
      size: config.length,
    };
    for (let i = 0; i < ARTIFACTS; i++) {
      const layer = Buffer.from(`layer ${i}`);
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: configDescriptor,
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await client.pushBlob('library/planted', layer), size: layer.length }],
      };
      await client.pushManifest('library/planted', `v${i}`, manifest);
    }
  });
  after(() => server?.stop());

  it(`eight concurrent anonymous listings of ${ARTIFACTS} artifacts with 4 MB configs add under ${RSS_GROWTH_BOUND_MIB} MiB to the server's memory`, async (t) => {
    const pid = server.pid;
    assert.ok(pid !== undefined);
    resetPeakRss(pid);
    const before = peakRss(pid);
    const list = async () => {
      const res = await fetch(`${server.url}/api/v2.0/projects/library/repositories/planted/artifacts?page_size=${ARTIFACTS}&with_tag=true&with_label=true`);
      assert.equal(res.status, 200);
      const rows = (await res.json()) as Array<{ extra_attrs: Record<string, unknown> }>;
      assert.equal(rows.length, ARTIFACTS);
      assert.equal(rows[0]!.extra_attrs.architecture, 'amd64');
    };
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: CONCURRENT_LISTINGS }, list));
    const peak = peakRss(pid);
    t.diagnostic(`server RSS before the listings ${(before / MiB).toFixed(0)} MiB, peak during ${3 * CONCURRENT_LISTINGS} listings ${(peak / MiB).toFixed(0)} MiB`);
    assert.ok(
      peak - before < RSS_GROWTH_BOUND_MIB * MiB,
      `peak RSS ${(peak / MiB).toFixed(0)} MiB, ${((peak - before) / MiB).toFixed(0)} MiB over the ${(before / MiB).toFixed(0)} MiB before`,
    );
  });

  it(`build history of artifacts with 4 MB configs, read by ${CONCURRENT_LISTINGS} anonymous clients at once, adds under ${RSS_GROWTH_BOUND_MIB} MiB to the server's memory`, async (t) => {
    const pid = server.pid;
    assert.ok(pid !== undefined);
    resetPeakRss(pid);
    const before = peakRss(pid);
    const history = async (i: number) => {
      const res = await fetch(`${server.url}/api/v2.0/projects/library/repositories/planted/artifacts/v${i}/additions/build_history`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), []);
    };
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: CONCURRENT_LISTINGS }, (_, i) => history(i)));
    const peak = peakRss(pid);
    t.diagnostic(`server RSS before ${(before / MiB).toFixed(0)} MiB, peak during ${3 * CONCURRENT_LISTINGS} build history reads ${(peak / MiB).toFixed(0)} MiB`);
    assert.ok(
      peak - before < RSS_GROWTH_BOUND_MIB * MiB,
      `peak RSS ${(peak / MiB).toFixed(0)} MiB, ${((peak - before) / MiB).toFixed(0)} MiB over the ${(before / MiB).toFixed(0)} MiB before`,
    );
  });
});
