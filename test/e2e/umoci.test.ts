/**
 * An image made with umoci goes through the registry (skopeo push, skopeo pull into a new
 * layout) and is unpacked again by umoci: the files must come out as they went in.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  layoutRef,
  makeTempDir,
  RegistryServer,
  removeDir,
  requireTools,
  skipUnlessTools,
  umociImage,
  type LayoutManifest,
} from './harness.js';

const TOOLS = ['umoci', 'skopeo'];

describe('umoci', { skip: skipUnlessTools(...TOOLS), timeout: 120_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;
  let source: LayoutManifest;
  const files: Record<string, Buffer> = {
    'etc/motd': Buffer.from('welcome to the umoci e2e image\n'),
    'opt/app/data.bin': randomBytes(2 * 1024 * 1024),
    'opt/app/empty': Buffer.alloc(0),
  };

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('umoci');
    client = new ClientEnv(join(work, 'client'), server.host);
    source = await umociImage(client, join(work, 'src'), 'v1', files);
    await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  test('push with skopeo, pull into a new layout, unpack: identical files', async () => {
    const remote = `docker://${server.host}/library/umoci:v1`;
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${join(work, 'src')}:v1`, remote]);
    const pulled = join(work, 'pulled');
    await client.skopeo(['copy', '--src-tls-verify=false', remote, `oci:${pulled}:v1`]);
    assert.equal(layoutRef(pulled, 'v1').digest, source.digest);

    const bundle = join(work, 'bundle');
    // --rootless only when not root: as root umoci keeps the layer's owners.
    const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
    await client.umoci(['unpack', ...rootless, '--image', `${pulled}:v1`, bundle]);
    for (const [path, content] of Object.entries(files)) {
      const got = readFileSync(join(bundle, 'rootfs', path));
      assert.ok(got.equals(content), `${path}: ${got.length} bytes back, ${content.length} pushed`);
    }
    assert.ok(statSync(join(bundle, 'rootfs', 'opt', 'app')).isDirectory());
  });
});
