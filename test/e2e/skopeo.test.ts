/**
 * skopeo against the registry: what a user moving images between OCI layouts and the
 * registry would check — the bytes that come back are the bytes that went in.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  BERTH_ONLY,
  ClientEnv,
  layoutRef,
  makeTempDir,
  reachableBlobs,
  readBlob,
  RegistryServer,
  removeDir,
  requireTools,
  sha256,
  skipUnlessTools,
  TARGET,
  umociImage,
  writeIndex,
  type LayoutManifest,
} from './harness.js';

const TOOLS = ['skopeo', 'umoci'];

describe('skopeo', { skip: skipUnlessTools(...TOOLS), timeout: 180_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv; // logged in as admin
  let layout: string; // source OCI layout
  let single: LayoutManifest; // tag "v1": one amd64 image
  let multi: LayoutManifest; // tag "multi": an index over amd64 + arm64
  const greeting = `hello from skopeo ${Date.now()}\n`;

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('skopeo');
    client = new ClientEnv(join(work, 'admin'), server.host);
    layout = join(work, 'src-layout');
    const payload = Buffer.alloc(512 * 1024, 7); // a layer bigger than one read buffer
    single = await umociImage(client, layout, 'v1', { 'etc/greeting': greeting, 'data/payload': payload });
    const amd = await umociImage(client, layout, 'amd', { 'etc/arch': 'amd64\n' }, 'amd64');
    const arm = await umociImage(client, layout, 'arm', { 'etc/arch': 'arm64\n' }, 'arm64');
    multi = writeIndex(layout, 'multi', [amd, arm]);
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  const ref = (repo: string): string => `docker://${server.host}/${repo}`;
  /** `skopeo inspect` of a reference, parsed. */
  const inspect = async (c: ClientEnv, reference: string): Promise<{ Digest: string; RepoTags: string[] }> =>
    JSON.parse((await c.skopeo(['inspect', '--tls-verify=false', reference])).stdout) as { Digest: string; RepoTags: string[] };
  const inspectRaw = async (c: ClientEnv, reference: string): Promise<Buffer> =>
    Buffer.from((await c.skopeo(['inspect', '--raw', '--tls-verify=false', reference])).stdout, 'utf8');

  /** Every blob reachable from `root` in `out` has the same bytes as in the source layout. */
  function assertSameBlobs(out: string, root: string): void {
    const want = reachableBlobs(layout, root);
    const got = reachableBlobs(out, root);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) {
      assert.equal(`sha256:${sha256(bytes)}`, digest, `blob ${digest} in the pulled layout does not hash to its name`);
      assert.ok(bytes.equals(want.get(digest) ?? Buffer.alloc(0)), `blob ${digest} differs`);
    }
  }

  test('login as admin stores credentials for the registry', async () => {
    const { stdout } = await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.match(stdout, /Login Succeeded/);
    assert.ok(server.host in client.auths(), `auth file has no entry for ${server.host}`);
  });

  test('login with a wrong password fails', async () => {
    const other = new ClientEnv(join(work, 'wrong'), server.host);
    const res = await other.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', 'not-the-password', server.host], { allowFail: true });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /401|unauthorized|invalid username\/password/i);
    assert.deepEqual(other.auths(), {});
  });

  test('copy an OCI layout in and back out: manifest and blobs are byte-identical', async () => {
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `${ref('library/single')}:v1`]);
    const out = join(work, 'out-single');
    await client.skopeo(['copy', '--src-tls-verify=false', `${ref('library/single')}:v1`, `oci:${out}:v1`]);
    assert.equal(layoutRef(out, 'v1').digest, single.digest);
    assertSameBlobs(out, single.digest);
  });

  test('inspect reports the pushed digest and serves the manifest bytes unchanged', async () => {
    const info = await inspect(client, `${ref('library/single')}:v1`);
    assert.equal(info.Digest, single.digest);
    assert.deepEqual(info.RepoTags, ['v1']);
    assert.ok((await inspectRaw(client, `${ref('library/single')}:v1`)).equals(readBlob(layout, single.digest)));
    // ...and by digest, not only by tag.
    assert.equal((await inspect(client, `${ref('library/single')}@${single.digest}`)).Digest, single.digest);
  });

  test('copy --all of a multi-arch index: the index and every child come back', async () => {
    await client.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `${ref('library/multi')}:1.0`]);
    const index = readBlob(layout, multi.digest);
    assert.ok((await inspectRaw(client, `${ref('library/multi')}:1.0`)).equals(index), 'index bytes differ');
    const children = (JSON.parse(index.toString('utf8')) as { manifests: LayoutManifest[] }).manifests;
    assert.equal(children.length, 2);
    for (const child of children) {
      const raw = await inspectRaw(client, `${ref('library/multi')}@${child.digest}`);
      assert.ok(raw.equals(readBlob(layout, child.digest)), `child ${child.digest} differs`);
    }
    const out = join(work, 'out-multi');
    await client.skopeo(['copy', '--all', '--src-tls-verify=false', `${ref('library/multi')}:1.0`, `oci:${out}:multi`]);
    assert.equal(layoutRef(out, 'multi').digest, multi.digest);
    assertSameBlobs(out, multi.digest);
  });

  // distribution 2.8 answers in storage order, so this is not checked against it.
  const lexicalTags = TARGET === 'distribution' ? 'distribution 2.8 does not sort tags' : false;
  test('list-tags returns every pushed tag, in lexical order', { skip: lexicalTags }, async () => {
    // Pushed out of order: the OCI distribution spec asks for the list in lexical order.
    for (const tag of ['charlie', 'alpha', 'bravo']) {
      await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `${ref('library/tags')}:${tag}`]);
    }
    const { stdout } = await client.skopeo(['list-tags', '--tls-verify=false', ref('library/tags')]);
    const listed = JSON.parse(stdout) as { Repository: string; Tags: string[] };
    assert.equal(listed.Repository, `${server.host}/library/tags`);
    assert.deepEqual(listed.Tags, ['alpha', 'bravo', 'charlie']);
  });

  test('delete removes the manifest: inspect then fails, other repositories are untouched', async () => {
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `${ref('library/doomed')}:v1`]);
    await client.skopeo(['delete', '--tls-verify=false', `${ref('library/doomed')}:v1`]);
    for (const gone of [`${ref('library/doomed')}:v1`, `${ref('library/doomed')}@${single.digest}`]) {
      const res = await client.skopeo(['inspect', '--tls-verify=false', gone], { allowFail: true });
      assert.notEqual(res.code, 0, `${gone} still inspectable after delete`);
      assert.match(res.stderr, /manifest unknown|not found|404/i);
    }
    // The same manifest pushed to another repository must survive.
    assert.equal((await inspect(client, `${ref('library/single')}:v1`)).Digest, single.digest);
  });

  test('anonymous pull from the public project works without login', { skip: BERTH_ONLY }, async () => {
    const anon = new ClientEnv(join(work, 'anon'), server.host);
    assert.equal((await inspect(anon, `${ref('library/single')}:v1`)).Digest, single.digest);
    const out = join(work, 'out-anon');
    await anon.skopeo(['copy', '--src-tls-verify=false', `${ref('library/single')}:v1`, `oci:${out}:v1`]);
    assertSameBlobs(out, single.digest);
  });

  test('push without login is refused and leaves nothing behind', async () => {
    const anon = new ClientEnv(join(work, 'anon-push'), server.host);
    const res = await anon.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `${ref('library/nologin')}:v1`], { allowFail: true });
    assert.notEqual(res.code, 0, 'anonymous push succeeded');
    assert.match(res.stderr, /unauthorized|authentication required|denied|401|403/i);
    const check = await client.skopeo(['inspect', '--tls-verify=false', `${ref('library/nologin')}:v1`], { allowFail: true });
    assert.notEqual(check.code, 0, 'the refused push is visible');
  });

  test('push to a project that does not exist fails with a message naming it', { skip: BERTH_ONLY }, async () => {
    const res = await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `${ref('nosuchproject/app')}:v1`], {
      allowFail: true,
    });
    assert.notEqual(res.code, 0, 'push into a missing project succeeded');
    assert.match(res.stderr, /nosuchproject/);
  });
});
