/**
 * Scale-out on S3: two `berth serve` processes on one PostgreSQL database and one S3 bucket
 * (s3rver, started here). An upload begun on one instance is finished on the other, from what
 * the bucket and the database hold; skopeo pushes to one and pulls identical bytes from the other.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basic, sha256 as digestOf, TestClient } from '../../src/testing/client.js';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, layoutRef, reachableBlobs, RegistryServer, sha256, writeImageLayout } from './harness.js';
import { scaleOutSkip, startScaleOut, type ScaleOut } from './scale-out.js';

const MiB = 1024 * 1024;
const skip = scaleOutSkip('skopeo');

describe('two instances on one PostgreSQL and one S3 bucket', { skip, timeout: 240_000 }, () => {
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  let scale: ScaleOut | undefined;
  let work: string;
  let instances: RegistryServer[] = [];

  before(async () => {
    scale = await startScaleOut({ name: 's3-instances', storage: 's3' });
    ({ work, instances } = scale);
  });

  after(async () => {
    await scale?.stop();
  });

  it('finishes on one instance an upload begun on the other', async () => {
    const [a, b] = instances as [RegistryServer, RegistryServer];
    const [onA, onB] = [new TestClient(a.url, admin), new TestClient(b.url, admin)];
    const data = randomBytes(9 * MiB + 3);
    const begun = await onA.request('POST', '/v2/library/resumed/blobs/uploads/');
    assert.equal(begun.status, 202, await begun.text());
    const first = await onA.request('PATCH', begun.headers.get('location') ?? '', {
      body: new Uint8Array(data.subarray(0, 6 * MiB)),
      headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${6 * MiB - 1}` },
    });
    assert.equal(first.status, 202, await first.text());
    const location = first.headers.get('location') ?? '';
    // The other instance sees how far the upload got, continues it, and publishes the blob.
    const status = await onB.request('GET', location);
    assert.equal(status.headers.get('range'), `0-${6 * MiB - 1}`);
    const second = await onB.request('PATCH', location, {
      body: new Uint8Array(data.subarray(6 * MiB)),
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${6 * MiB}-${data.length - 1}` },
    });
    assert.equal(second.status, 202, await second.text());
    const next = second.headers.get('location') ?? '';
    const digest = digestOf(data);
    const done = await onB.request('PUT', `${next}${next.includes('?') ? '&' : '?'}digest=${digest}`);
    assert.equal(done.status, 201, await done.text());
    const pulled = await onA.request('GET', `/v2/library/resumed/blobs/${digest}`);
    assert.equal(pulled.status, 200);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(data));
  });

  it('serves from one instance, byte for byte, what skopeo pushed to the other', async () => {
    const [a, b] = instances as [RegistryServer, RegistryServer];
    const layout = join(work, 'layout');
    const image = writeImageLayout(layout, 'v1', randomBytes(6 * MiB));
    const pusher = new ClientEnv(join(work, 'pusher'), a.host);
    await pusher.skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${ADMIN_USER}:${ADMIN_PASSWORD}`,
      `oci:${layout}:v1`,
      `docker://${a.host}/library/app:v1`,
    ]);
    const out = join(work, 'out');
    const puller = new ClientEnv(join(work, 'puller'), b.host);
    await puller.skopeo(['copy', '--src-tls-verify=false', '--src-creds', `${ADMIN_USER}:${ADMIN_PASSWORD}`, `docker://${b.host}/library/app:v1`, `oci:${out}:v1`]);
    assert.equal(layoutRef(out, 'v1').digest, image.digest);
    const want = reachableBlobs(layout, image.digest);
    const got = reachableBlobs(out, image.digest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) assert.equal(`sha256:${sha256(bytes)}`, digest);
  });
});
