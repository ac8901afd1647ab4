/**
 * Artifacts as the Harbor API shows them after real clients pushed them: a multi-arch index
 * (skopeo), a Helm chart stored as an OCI artifact, a copy between projects, and an
 * immutable tag that podman cannot overwrite.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  layoutRef,
  makeTempDir,
  reachableBlobs,
  readBlob,
  RegistryServer,
  removeDir,
  requireTools,
  run,
  sha256,
  skipUnlessTools,
  TARGET,
  umociImage,
  writeBlob,
  writeIndex,
  type LayoutManifest,
} from './harness.js';

const TOOLS = ['skopeo', 'podman', 'buildah', 'umoci', 'tar'];
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

interface Reference {
  child_digest: string;
  platform: { architecture: string; os: string } | null;
}
interface ArtifactJson {
  digest: string;
  type: string;
  manifest_media_type: string;
  references?: Reference[] | null;
  tags?: Array<{ name: string }> | null;
}
interface HistoryEntry {
  created_by?: string;
  comment?: string;
}

const skip = TARGET !== 'berth' ? 'Berth-only (Harbor API)' : skipUnlessTools(...TOOLS);

describe('artifacts pushed by real clients, read through the Harbor API', { skip, timeout: 180_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv; // logged in as admin
  let layout: string; // source OCI layout: tags "amd", "arm", "multi"
  let multi: LayoutManifest;
  const arches = ['amd64', 'arm64'];

  /** One call to /api/v2.0 as admin; the caller checks the status. */
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  }

  async function apiJson<T>(path: string): Promise<T> {
    const res = await api('GET', path);
    assert.equal(res.status, 200, `GET ${path} → ${res.status} ${res.text}`);
    return JSON.parse(res.text) as T;
  }

  async function createProject(name: string): Promise<void> {
    const res = await api('POST', '/projects', { project_name: name, metadata: { public: 'false' } });
    assert.equal(res.status, 201, `create project ${name} → ${res.status} ${res.text}`);
  }

  const artifactPath = (project: string, repo: string, reference: string): string =>
    `/projects/${project}/repositories/${encodeURIComponent(repo)}/artifacts/${reference}`;

  const ref = (repo: string): string => `docker://${server.host}/${repo}`;

  const inspectRaw = async (reference: string): Promise<Buffer> =>
    Buffer.from((await client.skopeo(['inspect', '--raw', '--tls-verify=false', reference])).stdout, 'utf8');

  const inspectDigest = async (reference: string): Promise<string> =>
    (JSON.parse((await client.skopeo(['inspect', '--tls-verify=false', reference])).stdout) as { Digest: string }).Digest;

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('artifacts');
    client = new ClientEnv(join(work, 'admin'), server.host);
    await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    await createProject('apps');

    layout = join(work, 'src-layout');
    const children: LayoutManifest[] = [];
    for (const arch of arches) {
      const tag = arch === 'amd64' ? 'amd' : 'arm';
      await umociImage(client, layout, tag, { 'etc/arch': `${arch}\n`, [`opt/${arch}.bin`]: Buffer.alloc(4096, arch.length + children.length) }, arch);
      // A history entry of our own, to find again in build_history.
      await client.umoci(['config', '--image', `${layout}:${tag}`, '--history.created_by', `e2e build for ${arch}`, '--history.comment', `made for ${arch}`]);
      await client.umoci(['gc', '--layout', layout]);
      children.push(layoutRef(layout, tag));
    }
    multi = writeIndex(layout, 'multi', children);
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  it('a multi-arch index pushed with skopeo copy --all is an IMAGE with two platform children', async () => {
    await client.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `${ref('apps/multi')}:1.0`]);

    const index = await apiJson<ArtifactJson>(artifactPath('apps', 'multi', '1.0'));
    assert.equal(index.digest, multi.digest);
    assert.equal(index.type, 'IMAGE');
    assert.equal(index.manifest_media_type, OCI_INDEX);
    assert.deepEqual(
      index.tags?.map((t) => t.name),
      ['1.0'],
    );
    const references = index.references ?? [];
    assert.equal(references.length, 2);

    const pushedChildren = (JSON.parse(readBlob(layout, multi.digest).toString('utf8')) as { manifests: LayoutManifest[] }).manifests;
    for (const [i, arch] of arches.entries()) {
      const reference = references[i];
      assert.ok(reference);
      assert.equal(reference.child_digest, pushedChildren[i]?.digest);
      assert.equal(reference.platform?.architecture, arch);
      assert.equal(reference.platform?.os, 'linux');

      // Each child is an artifact of its own, with its config's history as build_history.
      const child = await apiJson<ArtifactJson>(artifactPath('apps', 'multi', reference.child_digest));
      assert.equal(child.digest, reference.child_digest);
      assert.equal(child.type, 'IMAGE');
      assert.equal(child.manifest_media_type, OCI_MANIFEST);

      const manifest = JSON.parse(readBlob(layout, reference.child_digest).toString('utf8')) as { config: { digest: string } };
      const config = JSON.parse(readBlob(layout, manifest.config.digest).toString('utf8')) as { history: HistoryEntry[] };
      const history = await apiJson<HistoryEntry[]>(`${artifactPath('apps', 'multi', reference.child_digest)}/additions/build_history`);
      assert.deepEqual(history, config.history);
      assert.ok(
        history.some((h) => h.created_by === `e2e build for ${arch}` && h.comment === `made for ${arch}`),
        `build_history of ${arch} lacks the entry written for it: ${JSON.stringify(history)}`,
      );
    }
  });

  it('a Helm chart pushed as an OCI artifact is a CHART with values, readme and dependencies', async () => {
    const chartYaml = [
      'apiVersion: v2',
      'name: webapp',
      'description: A small web application',
      'type: application',
      'version: 0.3.1',
      'appVersion: "1.16.0"',
      'dependencies:',
      '  - name: redis',
      '    version: "17.3.2"',
      '    repository: https://charts.example.com/stable',
      '',
    ].join('\n');
    const values = 'replicaCount: 2\nimage:\n  repository: nginx\n  tag: "1.25"\nservice:\n  port: 8080\n';
    const readme = '# webapp\n\nA chart pushed by the Berth end-to-end tests.\n';
    const chartDir = join(work, 'chart-src');
    mkdirSync(join(chartDir, 'webapp', 'templates'), { recursive: true });
    writeFileSync(join(chartDir, 'webapp', 'Chart.yaml'), chartYaml);
    writeFileSync(join(chartDir, 'webapp', 'values.yaml'), values);
    writeFileSync(join(chartDir, 'webapp', 'README.md'), readme);
    writeFileSync(join(chartDir, 'webapp', 'templates', 'service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n');
    const tgz = join(work, 'webapp-0.3.1.tgz');
    // `helm package` makes the same shape: a gzip'd tar with everything under `<name>/`.
    await run('tar', ['--format=ustar', '--owner=0', '--group=0', '-czf', tgz, '-C', chartDir, 'webapp']);

    const chartLayout = join(work, 'chart-layout');
    mkdirSync(join(chartLayout, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(chartLayout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    // Helm's config is Chart.yaml as JSON.
    const chartConfig = {
      apiVersion: 'v2',
      name: 'webapp',
      description: 'A small web application',
      type: 'application',
      version: '0.3.1',
      appVersion: '1.16.0',
      dependencies: [{ name: 'redis', version: '17.3.2', repository: 'https://charts.example.com/stable' }],
    };
    const config = writeBlob(chartLayout, Buffer.from(JSON.stringify(chartConfig)), HELM_CONFIG);
    const layer = writeBlob(chartLayout, readFileSync(tgz), HELM_CHART);
    const manifestBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config,
        layers: [{ ...layer, annotations: { 'org.opencontainers.image.title': 'webapp-0.3.1.tgz' } }],
      }),
    );
    const manifest = writeBlob(chartLayout, manifestBytes, OCI_MANIFEST);
    writeFileSync(
      join(chartLayout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': '0.3.1' } }] }),
    );

    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${chartLayout}:0.3.1`, `${ref('apps/webapp')}:0.3.1`]);
    // A real client reads back the very manifest that went in.
    assert.ok((await inspectRaw(`${ref('apps/webapp')}:0.3.1`)).equals(manifestBytes), 'chart manifest bytes differ');

    const path = artifactPath('apps', 'webapp', '0.3.1');
    const artifact = await apiJson<ArtifactJson>(path);
    assert.equal(artifact.digest, manifest.digest);
    assert.equal(artifact.type, 'CHART');
    assert.equal(artifact.manifest_media_type, OCI_MANIFEST);

    const valuesRes = await api('GET', `${path}/additions/values.yaml`);
    assert.equal(valuesRes.status, 200, valuesRes.text);
    assert.equal(valuesRes.text, values);
    const readmeRes = await api('GET', `${path}/additions/readme.md`);
    assert.equal(readmeRes.status, 200, readmeRes.text);
    assert.equal(readmeRes.text, readme);
    const dependencies = await apiJson<unknown[]>(`${path}/additions/dependencies`);
    assert.deepEqual(dependencies, [{ name: 'redis', version: '17.3.2', repository: 'https://charts.example.com/stable' }]);
  });

  it('an artifact copied to another project pulls back byte-identical; an index copies by digest', async () => {
    await createProject('dst');
    const single = layoutRef(layout, 'amd');
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:amd`, `${ref('apps/single')}:1.0`]);
    await client.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `${ref('apps/multiarch')}:1.0`]);

    const copied = await api('POST', `/projects/dst/repositories/single/artifacts?from=${encodeURIComponent('apps/single:1.0')}`);
    assert.equal(copied.status, 201, `copy → ${copied.status} ${copied.text}`);
    const listed = await apiJson<ArtifactJson[]>('/projects/dst/repositories/single/artifacts');
    assert.deepEqual(
      listed.map((a) => a.digest),
      [single.digest],
    );

    const out = join(work, 'copied-single');
    await client.skopeo(['copy', '--src-tls-verify=false', `${ref('dst/single')}@${single.digest}`, `oci:${out}:copied`]);
    assert.equal(layoutRef(out, 'copied').digest, single.digest);
    const want = reachableBlobs(layout, single.digest);
    const got = reachableBlobs(out, single.digest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) assert.ok(bytes.equals(want.get(digest) ?? Buffer.alloc(0)), `blob ${digest} differs after the copy`);

    const indexCopy = await api('POST', `/projects/dst/repositories/multiarch/artifacts?from=${encodeURIComponent(`apps/multiarch@${multi.digest}`)}`);
    assert.equal(indexCopy.status, 201, `copy of the index → ${indexCopy.status} ${indexCopy.text}`);
    assert.ok((await inspectRaw(`${ref('dst/multiarch')}@${multi.digest}`)).equals(readBlob(layout, multi.digest)), 'index bytes differ in dst');
    const children = (JSON.parse(readBlob(layout, multi.digest).toString('utf8')) as { manifests: LayoutManifest[] }).manifests;
    const copiedIndex = await apiJson<ArtifactJson>(artifactPath('dst', 'multiarch', multi.digest));
    assert.deepEqual(
      copiedIndex.references?.map((r) => r.child_digest),
      children.map((c) => c.digest),
    );
    // The children came along: a client can fetch each from dst.
    for (const child of children) {
      assert.ok((await inspectRaw(`${ref('dst/multiarch')}@${child.digest}`)).equals(readBlob(layout, child.digest)), `child ${child.digest} differs in dst`);
    }
  });

  it('an immutable tag refuses a podman re-push with other content; other tags still take pushes', async () => {
    await createProject('locked');
    const rule = await api('POST', '/projects/locked/immutabletagrules', {
      disabled: false,
      action: 'immutable',
      template: 'immutable_template',
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v1.*' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    });
    assert.equal(rule.status, 201, `create rule → ${rule.status} ${rule.text}`);

    const image = `${server.host}/locked/app`;
    for (const name of ['first', 'second']) {
      const context = join(work, `context-${name}`);
      mkdirSync(context);
      writeFileSync(join(context, 'which.txt'), `the ${name} build\n`);
      writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY which.txt /which.txt\n');
      await client.buildah(['bud', '--isolation', 'chroot', '-t', `${image}:${name}`, context]);
    }

    const firstDigestFile = join(work, 'first.digest');
    await client.podman(['push', '--tls-verify=false', '--digestfile', firstDigestFile, `${image}:first`, `${image}:v1.0`]);
    const firstDigest = readFileSync(firstDigestFile, 'utf8').trim();
    assert.match(firstDigest, /^sha256:[0-9a-f]{64}$/);

    const refused = await client.podman(['push', '--tls-verify=false', `${image}:second`, `${image}:v1.0`], { allowFail: true });
    assert.notEqual(refused.code, 0, 'the re-push of an immutable tag succeeded');
    assert.match(refused.stderr, /denied/i);
    assert.match(refused.stderr, /immutable/i);

    assert.equal((await apiJson<ArtifactJson>(artifactPath('locked', 'app', 'v1.0'))).digest, firstDigest);
    assert.equal(await inspectDigest(`docker://${image}:v1.0`), firstDigest);

    const devDigestFile = join(work, 'dev.digest');
    await client.podman(['push', '--tls-verify=false', '--digestfile', devDigestFile, `${image}:second`, `${image}:dev`]);
    const devDigest = readFileSync(devDigestFile, 'utf8').trim();
    assert.notEqual(devDigest, firstDigest);
    assert.equal((await apiJson<ArtifactJson>(artifactPath('locked', 'app', 'dev'))).digest, devDigest);
    assert.equal(await inspectDigest(`docker://${image}:dev`), devDigest);
    assert.equal(`sha256:${sha256(await inspectRaw(`docker://${image}:dev`))}`, devDigest);
  });
});
