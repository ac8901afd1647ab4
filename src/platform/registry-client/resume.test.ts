/**
 * A blob upload survives a connection cut in the middle of a chunk: a TCP proxy between the
 * client and the registry cuts the connection once, after a set number of bytes, and the push
 * goes on from what the registry holds instead of starting over.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { skipUnlessTools } from '../../../test/e2e/harness.js';
import { api, expectJson } from '../../testing/api.js';
import { testDialects } from '../../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../../testing/distribution.js';
import { faultProxy } from '../../testing/fault-proxy.js';
import { generatedBlob, sha256OfStream } from '../../testing/registry-content.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../testing/server.js';
import { RegistryClient, type RegistryConnection } from './index.js';

const MiB = 1024 * 1024;
const BLOB_BYTES = 64 * MiB;
const CHUNK_BYTES = 8 * MiB;
/** Mid-way through the third chunk. */
const CUT_AFTER = 2 * CHUNK_BYTES + 3 * MiB + 12_345;

async function pushThroughCut(connection: RegistryConnection, repository: string): Promise<{ bytesSent: number; cuts: number; resumedAt: number[] }> {
  const blob = generatedBlob(BLOB_BYTES);
  const digest = await blob.digest();
  const proxy = await faultProxy(new URL(connection.url), { cutAfter: CUT_AFTER });
  try {
    const client = new RegistryClient({ ...connection, url: proxy.url });
    const acknowledged: number[] = [];
    const { bytesSent } = await client.pushBlob(repository, digest, blob.size, blob.open, { chunkSize: CHUNK_BYTES, onProgress: (n) => acknowledged.push(n) });
    client.close();

    // The registry holds the very bytes, read back directly (not through the proxy).
    const direct = new RegistryClient(connection);
    const stored = await direct.getBlob(repository, digest);
    assert.equal(stored.size, BLOB_BYTES);
    assert.equal(await sha256OfStream(stored.stream), digest);
    direct.close();
    return { bytesSent, cuts: proxy.cuts, resumedAt: acknowledged.filter((n) => n % CHUNK_BYTES !== 0 && n !== BLOB_BYTES) };
  } finally {
    await proxy.close();
  }
}

describe('a 64 MiB chunked push through a connection cut mid-chunk', { timeout: 300_000 }, () => {
  let berth: TestServer;
  let distribution: DistributionServer | undefined;

  before(async () => {
    berth = await startTestServer(testDialects()[0]!);
    await expectJson(await api(berth.url, 'POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } }), 201);
    if (!skipUnlessTools('docker-registry')) distribution = await startDistribution();
  });
  after(async () => {
    await Promise.all([berth?.close(), distribution?.stop()]);
  });

  it('Berth (token auth): resumes from the offset the upload holds, never from zero', async (t) => {
    const connection = { url: berth.url, allowPrivateNetworks: true, credential: { type: 'basic' as const, username: 'admin', password: ADMIN_PASSWORD } };
    const outcome = await pushThroughCut(connection, 'team/big');
    t.diagnostic(`sent ${outcome.bytesSent} bytes for ${BLOB_BYTES}; resumed at ${outcome.resumedAt.join(', ')}`);
    assert.equal(outcome.cuts, 1);
    assert.ok(outcome.bytesSent > BLOB_BYTES, 'bytes lost in the cut were sent again');
    // It went on from what the upload held, past the chunks acknowledged before the cut: never from zero.
    assert.ok((outcome.resumedAt[0] ?? 0) > 2 * CHUNK_BYTES, `resumed at ${outcome.resumedAt.join(', ')}`);
    // What was sent again is what the cut lost (the cut chunk, and what sat in socket buffers), far less than starting over.
    assert.ok(outcome.bytesSent < BLOB_BYTES + CUT_AFTER, `${outcome.bytesSent} bytes sent: less than the blob and what preceded the cut`);
  });

  it('Berth: a push stopped after two chunks (a restart) is taken up from its session by another client', async () => {
    const connection = { url: berth.url, allowPrivateNetworks: true, credential: { type: 'basic' as const, username: 'admin', password: ADMIN_PASSWORD } };
    const blob = generatedBlob(4 * CHUNK_BYTES);
    const digest = await blob.digest();
    const stop = new AbortController();
    let location = '';
    const first = new RegistryClient(connection).pushBlob('team/restarted', digest, blob.size, blob.open, {
      chunkSize: CHUNK_BYTES,
      signal: stop.signal,
      onSession: (at) => (location = at),
      onProgress: (acknowledged) => {
        if (acknowledged >= 2 * CHUNK_BYTES) stop.abort(new Error('stopped for a restart'));
      },
    });
    await assert.rejects(first, /stopped for a restart/);

    const second = new RegistryClient(connection);
    const { bytesSent } = await second.pushBlob('team/restarted', digest, blob.size, blob.open, { chunkSize: CHUNK_BYTES, resumeFrom: { location } });
    assert.equal(bytesSent, 2 * CHUNK_BYTES, 'only the two chunks the session did not hold');
    assert.equal(await sha256OfStream((await second.getBlob('team/restarted', digest)).stream), digest);
  });

  // Distribution 2.8 keeps the bytes of a cut chunk but not its upload state (the `_state` of the
  // last Location), and cancels a session whose file no longer matches that state: the session
  // is gone, so the push begins a new one. It still completes, byte for byte, with one restart.
  it(
    'CNCF distribution: the session is dropped after the cut, so the push starts one new session and completes',
    { skip: skipUnlessTools('docker-registry') },
    async (t) => {
      const outcome = await pushThroughCut({ url: distribution!.url, allowPrivateNetworks: true }, 'team/big');
      t.diagnostic(`sent ${outcome.bytesSent} bytes for ${BLOB_BYTES}`);
      assert.equal(outcome.cuts, 1);
      assert.ok(
        outcome.bytesSent < BLOB_BYTES + CUT_AFTER + CHUNK_BYTES,
        `${outcome.bytesSent} bytes sent: the blob, what preceded the cut, at most one chunk more`,
      );
    },
  );
});
