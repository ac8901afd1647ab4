import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const KIB_PER_SECOND = 512;
const BLOB_BYTES = 512 * 1024;

// Pacing is the HTTP layer's, the same on either database: SQLite alone.
const [dialect] = testDialects();

describe('blob download bandwidth per client', () => {
  let server: TestServer;
  let client: TestClient;
  let digest = '';

  before(async () => {
    server = await startTestServer(dialect!, { server: { trustProxy: true }, rateLimit: { blobKibPerSecondPerClient: KIB_PER_SECOND } });
    client = new TestClient(server.url);
    digest = await client.pushBlob('library/paced', randomBytes(BLOB_BYTES));
  });
  after(() => server.close());

  /** Pulls the blob from `address`; answers the seconds it took, after checking the bytes. */
  async function pull(address: string): Promise<number> {
    const started = performance.now();
    const res = await client.request('GET', `/v2/library/paced/blobs/${digest}`, { headers: { 'x-forwarded-for': address } });
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.equal(sha256(body), digest);
    return (performance.now() - started) / 1000;
  }

  it(`one address pulling twice at once shares ${KIB_PER_SECOND} KiB/s; another address has its own`, async () => {
    await client.token('repository:library/paced:pull,push,delete');
    const [first, second] = await Promise.all([pull('203.0.113.1'), pull('203.0.113.1')]);
    const pair = Math.max(first!, second!);
    // 1 MiB at 512 KiB/s: 2 s, not the 1 s each stream alone would take.
    assert.ok(pair >= 1.9, `two pulls from one address took ${pair.toFixed(2)} s`);
    const other = await pull('203.0.113.2');
    assert.ok(other >= 0.95, `one pull took ${other.toFixed(2)} s`);
    assert.ok(other < pair, `a pull from another address took ${other.toFixed(2)} s, the shared pair ${pair.toFixed(2)} s`);
    console.log(`two pulls sharing one address: ${pair.toFixed(2)} s; one pull alone: ${other.toFixed(2)} s`);
  });
});
