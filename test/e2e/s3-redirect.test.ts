/**
 * storage.redirect: Berth on S3 (s3rver, started here) answers blob GETs with a presigned URL.
 * skopeo pulls an image through a byte-counting proxy in front of Berth: without redirect the
 * layer passes through Berth, with it the bytes come from S3 and Berth sends next to nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { S3RVER_KEYS, startTestS3, type TestS3 } from '../../src/testing/s3.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  layoutRef,
  makeTempDir,
  reachableBlobs,
  RegistryServer,
  removeDir,
  sha256,
  skipUnlessTools,
  TARGET,
  writeImageLayout,
} from './harness.js';
import { tarOf } from './scale-out.js';

const MiB = 1024 * 1024;
const LAYER = 8 * MiB;
const skip = TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('skopeo', 'podman');

/** A TCP proxy on 127.0.0.1 that counts the bytes the target sends back. */
async function countingProxy(target: () => number): Promise<{ port: number; sent: () => number; reset: () => void; close: () => Promise<void> }> {
  let sent = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(target(), '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    outbound.on('data', (chunk: Buffer) => (sent += chunk.length));
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no proxy address');
  return {
    port: address.port,
    sent: () => sent,
    reset: () => void (sent = 0),
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('blob pulls redirected to S3 (storage.redirect)', { skip, timeout: 240_000 }, () => {
  let s3: TestS3 | undefined;
  let berth: RegistryServer | undefined;
  let proxy: Awaited<ReturnType<typeof countingProxy>> | undefined;
  let work = '';
  let image: ReturnType<typeof writeImageLayout>;
  let layout = '';

  before(async () => {
    s3 = await startTestS3();
    work = makeTempDir('s3-redirect');
    berth = await RegistryServer.start({
      BERTH_STORAGE_DRIVER: 's3',
      BERTH_STORAGE_S3_BUCKET: s3.bucket,
      // Berth is 127.0.0.1 and S3 another host name, as the README asks: a client may send its
      // Authorization along on a redirect to the same host name, and S3 refuses that.
      BERTH_STORAGE_S3_ENDPOINT: `http://localhost:${s3.port}`,
      BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
      BERTH_STORAGE_S3_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId,
      BERTH_STORAGE_S3_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey,
    });
    const server = berth;
    proxy = await countingProxy(() => server.port);
    layout = join(work, 'layout');
    image = writeImageLayout(layout, 'v1', randomBytes(LAYER));
    const pusher = new ClientEnv(join(work, 'pusher'), berth.host);
    await pusher.skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${ADMIN_USER}:${ADMIN_PASSWORD}`,
      `oci:${layout}:v1`,
      `docker://${berth.host}/library/app:v1`,
    ]);
  });

  after(async () => {
    await proxy?.close();
    await berth?.stop();
    await s3?.stop();
    if (work) removeDir(work);
  });

  /** skopeo's pull through the proxy into a fresh layout. */
  function skopeoPull(name: string, allowFail = false) {
    if (!proxy) throw new Error('no proxy');
    const host = `127.0.0.1:${proxy.port}`;
    const puller = new ClientEnv(join(work, `${name}-client`), host);
    return puller.skopeo(
      ['copy', '--src-tls-verify=false', '--src-creds', `${ADMIN_USER}:${ADMIN_PASSWORD}`, `docker://${host}/library/app:v1`, `oci:${join(work, name)}:v1`],
      { allowFail },
    );
  }

  /** skopeo pulls through the proxy into a fresh layout; the bytes Berth sent on the way. */
  async function pull(name: string): Promise<number> {
    if (!proxy) throw new Error('no proxy');
    const out = join(work, name);
    proxy.reset();
    await skopeoPull(name);
    const sent = proxy.sent();
    assert.equal(layoutRef(out, 'v1').digest, image.digest);
    const want = reachableBlobs(layout, image.digest);
    const got = reachableBlobs(out, image.digest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) assert.equal(`sha256:${sha256(bytes)}`, digest);
    return sent;
  }

  it('sends the layer through Berth without redirect', async (t) => {
    const sent = await pull('through');
    t.diagnostic(`Berth sent ${sent} bytes`);
    assert.ok(sent >= LAYER, `Berth sent ${sent} bytes for a ${LAYER}-byte layer`);
  });

  it('lets skopeo take the layer from S3 with redirect, byte for byte, Berth sending almost nothing', async (t) => {
    await berth?.restart({ BERTH_STORAGE_REDIRECT: 'true' });
    const sent = await pull('redirected');
    t.diagnostic(`Berth sent ${sent} bytes`);
    assert.ok(sent < 64 * 1024, `Berth sent ${sent} bytes for a ${LAYER}-byte layer`);
  });

  it('lets podman take an image from S3 with redirect, its files intact, Berth sending almost nothing', async (t) => {
    if (!berth || !proxy) throw new Error('not started');
    const payload = randomBytes(LAYER);
    const podmanLayout = join(work, 'podman-layout');
    const podmanImage = writeImageLayout(podmanLayout, 'v1', tarOf({ 'payload.bin': payload }));
    const pusher = new ClientEnv(join(work, 'podman-pusher'), berth.host);
    await pusher.skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${ADMIN_USER}:${ADMIN_PASSWORD}`,
      `oci:${podmanLayout}:v1`,
      `docker://${berth.host}/library/files:v1`,
    ]);
    const host = `127.0.0.1:${proxy.port}`;
    // A short path: podman refuses a runroot longer than 50 characters.
    const shortDir = makeTempDir('pr');
    try {
      const client = new ClientEnv(shortDir, host);
      await client.podman(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, host]);
      proxy.reset();
      await client.podman(['pull', `${host}/library/files:v1`]);
      const sent = proxy.sent();
      t.diagnostic(`Berth sent ${sent} bytes`);
      assert.ok(sent < 64 * 1024, `Berth sent ${sent} bytes for a ${LAYER}-byte layer`);
      const [info] = JSON.parse((await client.podman(['image', 'inspect', `${host}/library/files:v1`])).stdout) as Array<{ Digest: string }>;
      assert.equal(info?.Digest, podmanImage.digest);
      const mountpoint = (await client.podman(['image', 'mount', `${host}/library/files:v1`])).stdout.trim();
      try {
        assert.ok(readFileSync(join(mountpoint, 'payload.bin')).equals(payload), 'payload.bin differs');
      } finally {
        await client.podman(['image', 'unmount', `${host}/library/files:v1`]);
      }
    } finally {
      removeDir(shortDir);
    }
  });
});
