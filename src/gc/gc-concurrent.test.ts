import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OCI_MANIFEST, sha256, TestClient, type ImageManifest } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { runGc } from './fixtures.suite.js';

const WORKERS = 3;
const ROUNDS = 15;
const SHARED = Array.from({ length: 4 }, (_, i) => Buffer.concat([Buffer.from(`shared-${i}`), randomBytes(4000)]));

interface Acked {
  repo: string;
  tag: string;
  manifest: Buffer;
  blobs: Map<string, Buffer>;
}

for (const dialect of testDialects()) {
  describe(`garbage collection while pushes go on (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      // No grace window and small batches: sweeps interleave with pushes as tightly as they can.
      // GC rests as long as it works (half the default pause), so a push between an upload and
      // its manifest is not swept every time on a busy machine: a livelock, not a loss.
      server = await startTestServer(dialect, { gc: { graceMinutes: 0, batchSize: 3, pauseFactor: 1 }, jobs: { pollIntervalMs: 50 } });
    });
    after(() => server.close());

    it('every acknowledged artifact that was not deleted pulls back byte for byte', async () => {
      const client = new TestClient(server.url);
      const kept: Acked[] = [];
      let refused = 0;
      let pushing = true;

      /** Pushes an image; a manifest refused because GC took a blob in between is pushed again, as a client would retry. */
      const push = async (repo: string, tag: string, layers: Buffer[]): Promise<{ digest: string; acked: Acked }> => {
        for (let attempt = 0; ; attempt++) {
          const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag, attempt }));
          try {
            const blobs = new Map<string, Buffer>([[sha256(config), config], ...layers.map((l): [string, Buffer] => [sha256(l), l])]);
            const { digest, manifest } = await client.pushArtifact(repo, tag, {
              config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
              layers: layers.map((data) => ({ data, mediaType: 'application/vnd.oci.image.layer.v1.tar' })),
            });
            return { digest, acked: { repo, tag, manifest: Buffer.from(JSON.stringify(manifest satisfies ImageManifest)), blobs } };
          } catch (err) {
            if (!/MANIFEST_BLOB_UNKNOWN/.test((err as Error).message) || attempt >= 100) throw err;
            refused++;
          }
        }
      };

      const worker = async (w: number) => {
        const repo = `library/busy-${w % 2}`;
        for (let round = 0; round < ROUNDS; round++) {
          const tag = `w${w}-r${round}`;
          const { digest, acked } = await push(repo, tag, [SHARED[round % SHARED.length]!, randomBytes(3000)]);
          // A stray upload nothing will reference: garbage for the next sweep.
          await client.pushBlob(repo, randomBytes(500));
          if (round % 3 === 0) {
            kept.push(acked);
          } else {
            const res = await client.request('DELETE', `/v2/${repo}/manifests/${digest}`);
            assert.equal(res.status, 202);
          }
        }
      };

      const collector = async () => {
        let runs = 0;
        let freed = 0;
        while (pushing) {
          const result = await runGc(server.url, { delete_untagged: runs % 2 === 0 });
          assert.equal(result.status, 'Success');
          freed += result.attrs.freed_space ?? 0;
          runs++;
          // A rest between runs leaves pushes windows free of sweeps, so a retried push gets through
          // even when a loaded machine makes pushes slow against back-to-back collections.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return { runs, freed };
      };

      const gc = collector();
      const pushes = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w))).finally(() => {
        pushing = false;
      });
      const [{ runs, freed }] = await Promise.all([gc, pushes]);
      const final = await runGc(server.url, { delete_untagged: true });
      assert.ok(runs >= 2, `GC ran ${runs} times during the pushes`);
      assert.ok(freed + (final.attrs.freed_space ?? 0) > 0, 'GC freed space');

      assert.equal(kept.length, WORKERS * Math.ceil(ROUNDS / 3));
      for (const image of kept) {
        const scope = `repository:${image.repo}:pull`;
        const res = await client.request('GET', `/v2/${image.repo}/manifests/${image.tag}`, { headers: { accept: OCI_MANIFEST }, scope });
        assert.equal(res.status, 200, `${image.repo}:${image.tag}`);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), image.manifest);
        for (const [digest, data] of image.blobs) {
          const blob = await client.request('GET', `/v2/${image.repo}/blobs/${digest}`, { scope });
          assert.equal(blob.status, 200, `${image.repo}:${image.tag} blob ${digest}`);
          assert.deepEqual(Buffer.from(await blob.arrayBuffer()), data);
        }
      }
      // With no grace window a sweep may take a blob between its upload and the manifest: refused, never lost.
      process.stdout.write(`# ${runs} GC runs during the pushes; ${refused} manifests refused for a swept blob and pushed again\n`);
    });
  });
}
