/**
 * buildah builds an image (FROM scratch, no network), buildah and podman push it, podman
 * pulls it back after the local copy is gone: the image that returns must be the one built.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, makeTempDir, RegistryServer, removeDir, requireTools, sha256, skipUnlessTools } from './harness.js';

const TOOLS = ['buildah', 'podman', 'skopeo'];

describe('podman and buildah', { skip: skipUnlessTools(...TOOLS), timeout: 180_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;
  let image: string; // registry/library/built
  let imageId: string; // the config digest, without "sha256:"
  let pushedDigest: string; // manifest digest written by `buildah push --digestfile`
  const hello = `hello from buildah ${randomBytes(8).toString('hex')}\n`;
  const payload = randomBytes(3 * 1024 * 1024); // incompressible: a real multi-MiB layer

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('podman');
    client = new ClientEnv(join(work, 'client'), server.host);
    image = `${server.host}/library/built`;
    const context = join(work, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'hello.txt'), hello);
    writeFileSync(join(context, 'payload.bin'), payload);
    writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\nCOPY payload.bin /payload.bin\n');
    // No RUN step, so chroot isolation never has to start a process in the image.
    const built = await client.buildah(['bud', '--isolation', 'chroot', '--iidfile', join(work, 'iid'), '-t', `${image}:v1`, context]);
    assert.match(built.stdout, /Successfully tagged/);
    imageId = readFileSync(join(work, 'iid'), 'utf8')
      .trim()
      .replace(/^sha256:/, '');
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  /** The files of a local image, read through `podman image mount` (vfs: a plain directory). */
  async function readImageFile(ref: string, path: string): Promise<Buffer> {
    const mountpoint = (await client.podman(['image', 'mount', ref])).stdout.trim();
    try {
      return readFileSync(join(mountpoint, path));
    } finally {
      await client.podman(['image', 'unmount', ref]);
    }
  }

  test('buildah push without login is refused', async () => {
    const res = await client.buildah(['push', `${image}:v1`], { allowFail: true });
    assert.notEqual(res.code, 0, 'anonymous push succeeded');
    assert.match(res.stderr, /unauthorized|authentication required|denied/i);
  });

  test('buildah login, then buildah push', async () => {
    const login = await client.buildah(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    await client.buildah(['push', '--digestfile', join(work, 'digest'), `${image}:v1`]);
    pushedDigest = readFileSync(join(work, 'digest'), 'utf8').trim();
    assert.match(pushedDigest, /^sha256:[0-9a-f]{64}$/);
    // What the registry now serves under the tag is exactly what buildah wrote.
    const raw = (await client.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${image}:v1`])).stdout;
    assert.equal(`sha256:${sha256(raw)}`, pushedDigest);
  });

  test('podman login (fresh credentials), then podman push under another tag', async () => {
    await client.podman(['logout', '--all']);
    assert.deepEqual(client.auths(), {});
    const login = await client.podman(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    await client.podman(['push', `${image}:v1`, `${image}:v2`]);
    const inspected = JSON.parse((await client.skopeo(['inspect', '--tls-verify=false', `docker://${image}:v2`])).stdout) as {
      RepoTags: string[];
    };
    assert.deepEqual([...inspected.RepoTags].sort(), ['v1', 'v2']);
  });

  test('podman pull after removing the local image gives back the same image and files', async () => {
    await client.podman(['rmi', `${image}:v1`]);
    const listed = await client.podman(['images', '--format', '{{.ID}}', '--no-trunc']);
    assert.doesNotMatch(listed.stdout, new RegExp(imageId), 'image still present locally');

    await client.podman(['pull', `${image}:v1`]);
    const [info] = JSON.parse((await client.podman(['image', 'inspect', `${image}:v1`])).stdout) as Array<{ Id: string; Digest: string }>;
    assert.ok(info);
    assert.equal(info.Id, imageId, 'pulled image has another config (image ID)');
    assert.equal(info.Digest, pushedDigest, 'pulled manifest digest differs from the pushed one');
    assert.equal((await readImageFile(`${image}:v1`, 'hello.txt')).toString('utf8'), hello);
    assert.ok((await readImageFile(`${image}:v1`, 'payload.bin')).equals(payload), 'payload.bin differs');
  });

  test('the tag podman pushed pulls back, into empty storage, as the same image', async () => {
    await client.podman(['rmi', '--all', '--force']);
    await client.podman(['pull', `${image}:v2`]);
    const [info] = JSON.parse((await client.podman(['image', 'inspect', `${image}:v2`])).stdout) as Array<{ Id: string }>;
    assert.equal(info?.Id, imageId);
    assert.ok((await readImageFile(`${image}:v2`, 'payload.bin')).equals(payload), 'payload.bin differs');
  });
});
