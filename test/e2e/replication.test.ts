/**
 * Replication with real servers and real clients: skopeo copies a multi-arch OCI layout (made by
 * umoci) into Berth with `--all`, `berth sign` signs it in cosign's tag scheme, and replication
 * policies carry both to a CNCF distribution (`docker-registry`) — run by hand, by a cron
 * schedule and by a push event — back from it into another project, and to a second Berth
 * process registered as a `harbor` endpoint. After each, skopeo reads the destination: the
 * index, its images, their blobs and the `sha256-<hex>.sig` signature are the source's bytes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { runBerth } from '../../src/testing/cli.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { startDistribution, type DistributionServer } from '../../src/testing/distribution.js';
import { generateKeyPairFiles } from '../../src/trust/sign/index.js';
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
  sleep,
  umociImage,
  writeIndex,
  type LayoutManifest,
} from './harness.js';

const TOOLS = ['skopeo', 'umoci', 'docker-registry'];
const KEY_PASSWORD = 'replication e2e key password';
const MIRROR_USER = 'mirror';
const MIRROR_PASSWORD = 'Mirror-passw0rd';

type Json = Record<string, unknown>;

/**
 * With BERTH_TEST_PG_URL the source Berth (whose job service, schedules and outbox drive the
 * replication) runs on a fresh PostgreSQL database; the second Berth stays on SQLite.
 */
const PG_URL = process.env.BERTH_TEST_PG_URL;
const databaseName = `berth_e2e_replication_${Date.now()}_${process.pid}`;
async function onPostgres(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Polls `probe` until it answers something, or fails naming `what` after `ms`. */
async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(200);
  }
}

describe('replication between Berth, docker-registry and a second Berth', { skip: BERTH_ONLY || skipUnlessTools(...TOOLS), timeout: 240_000 }, () => {
  let source: RegistryServer; // Berth A: where images are pushed
  let second: RegistryServer; // Berth B: a registry endpoint of type harbor
  let mirror: DistributionServer;
  let work: string;
  let client: ClientEnv;
  let layout: string;
  let key: string;
  let index: LayoutManifest; // origin/app:1.0
  let signatureTag = '';
  let signature: Buffer; // the signature manifest's bytes on A
  let signatureLayout: string; // the signature copied out of A with skopeo
  const registryIds: Record<string, number> = {};
  const timings: Record<string, number> = {};
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);

  const api = async (server: RegistryServer, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const expect = async <T = Json>(res: Promise<Response>, status: number): Promise<T> => {
    const answer = await res;
    const text = await answer.text();
    assert.equal(answer.status, status, `${answer.url}: ${answer.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const created = async (res: Promise<Response>): Promise<number> => {
    const answer = await res;
    assert.equal(answer.status, 201, `${answer.url}: ${answer.status} ${await answer.text()}`);
    return Number((answer.headers.get('location') ?? '').split('/').pop());
  };

  /** skopeo's credentials flag for a registry host: admin on either Berth, the mirror's user on distribution. */
  const creds = (host: string): string => (host === second.host || host === source.host ? `${ADMIN_USER}:${ADMIN_PASSWORD}` : `${MIRROR_USER}:${MIRROR_PASSWORD}`);
  const inspectRaw = async (host: string, reference: string): Promise<Buffer> =>
    Buffer.from((await client.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(host), `docker://${host}/${reference}`])).stdout, 'utf8');
  const copyOut = async (host: string, reference: string, out: string, tag: string): Promise<void> => {
    await client.skopeo(['copy', '--all', '--src-tls-verify=false', '--src-creds', creds(host), `docker://${host}/${reference}`, `oci:${out}:${tag}`]);
  };

  /** Every blob reachable from `root` in `got` is the same as in `want`, by name and by bytes. */
  function assertSameBlobs(want: string, got: string, root: string): void {
    const expected = reachableBlobs(want, root);
    const actual = reachableBlobs(got, root);
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [digest, bytes] of actual) {
      assert.equal(`sha256:${sha256(bytes)}`, digest, `blob ${digest} does not hash to its name`);
      assert.ok(bytes.equals(expected.get(digest) ?? Buffer.alloc(0)), `blob ${digest} differs`);
    }
  }

  /**
   * What a user checks at a destination: the tag's index, each image and the signature answer the
   * source's manifest bytes; `copy --all` of the tag and of the signature bring back the source's
   * blobs, byte for byte.
   */
  async function assertReplica(host: string, repository: string, tag: string, root: LayoutManifest = index): Promise<void> {
    const bytes = readBlob(layout, root.digest);
    assert.ok((await inspectRaw(host, `${repository}:${tag}`)).equals(bytes), `${host}/${repository}:${tag}: manifest bytes differ`);
    const children = (JSON.parse(bytes.toString('utf8')) as { manifests?: LayoutManifest[] }).manifests ?? [];
    for (const child of children) {
      assert.ok((await inspectRaw(host, `${repository}@${child.digest}`)).equals(readBlob(layout, child.digest)), `${repository}@${child.digest} differs`);
    }
    const out = join(work, `out-${host.replace(/\W/g, '-')}-${repository.replace(/\W/g, '-')}-${tag}`);
    await copyOut(host, `${repository}:${tag}`, out, tag);
    assert.equal(layoutRef(out, tag).digest, root.digest);
    assertSameBlobs(layout, out, root.digest);
    if (root !== index) return;
    assert.ok((await inspectRaw(host, `${repository}:${signatureTag}`)).equals(signature), `${repository}:${signatureTag}: signature bytes differ`);
    const sigOut = `${out}-sig`;
    await copyOut(host, `${repository}:${signatureTag}`, sigOut, 'sig');
    const sigDigest = `sha256:${sha256(signature)}`;
    assert.equal(layoutRef(sigOut, 'sig').digest, sigDigest);
    assertSameBlobs(signatureLayout, sigOut, sigDigest);
  }

  /** Starts a run of the policy by hand and waits for it to finish; answers the execution. */
  async function runToEnd(policyId: number): Promise<Json> {
    const id = await created(api(source, 'POST', '/replication/executions', { policy_id: policyId }));
    return finished(id);
  }
  async function finished(id: number): Promise<Json> {
    return waitFor(`replication execution ${id}`, 60_000, async () => {
      const execution = await expect(api(source, 'GET', `/replication/executions/${id}`), 200);
      return execution.status === 'InProgress' ? undefined : execution;
    });
  }
  async function createPolicy(body: Json): Promise<number> {
    return created(api(source, 'POST', '/replication/policies', { override: true, enabled: true, ...body }));
  }
  const sign = async (reference: string, mode: 'tag' | 'referrer' = 'tag'): Promise<void> => {
    const res = await runBerth(['sign', '--key', key, '--mode', mode, '--plain-http', `${source.host}/${reference}`], {
      COSIGN_PASSWORD: KEY_PASSWORD,
      BERTH_REGISTRY_USERNAME: ADMIN_USER,
      BERTH_REGISTRY_PASSWORD: ADMIN_PASSWORD,
    });
    assert.equal(res.code, 0, res.stderr);
  };

  before(async () => {
    requireTools(...TOOLS);
    const started = Date.now();
    work = makeTempDir('replication');
    let sourceEnv: Record<string, string> = {};
    if (PG_URL) {
      await onPostgres(`CREATE DATABASE ${databaseName}`);
      const url = new URL(PG_URL);
      url.pathname = `/${databaseName}`;
      sourceEnv = { BERTH_DATABASE_URL: url.toString() };
    }
    [source, second, mirror] = await Promise.all([
      RegistryServer.start(sourceEnv),
      RegistryServer.start(),
      startDistribution({ basicAuth: { username: MIRROR_USER, password: MIRROR_PASSWORD } }),
    ]);
    client = new ClientEnv(join(work, 'client'), source.host);
    layout = join(work, 'layout');
    // Random bytes do not compress: a layer over the registry client's 8 MiB chunk goes up in PATCHes.
    const amd = await umociImage(client, layout, 'amd', { 'etc/arch': 'amd64\n', 'data/payload': randomBytes(9 * 1024 * 1024) }, 'amd64');
    const arm = await umociImage(client, layout, 'arm', { 'etc/arch': 'arm64\n' }, 'arm64');
    index = writeIndex(layout, 'multi', [amd, arm]);
    const keys = await generateKeyPairFiles(KEY_PASSWORD);
    key = join(work, 'cosign.key');
    writeFileSync(key, keys.privateKey, { mode: 0o600 });
    signatureTag = `${index.digest.replace(':', '-')}.sig`;
    // Private projects: every read the replication makes of either Berth needs its credentials.
    await expect(api(source, 'POST', '/projects', { project_name: 'origin', metadata: { public: 'false' } }), 201);
    await expect(api(source, 'POST', '/projects', { project_name: 'pulled', metadata: { public: 'false' } }), 201);
    await expect(api(second, 'POST', '/projects', { project_name: 'replica', metadata: { public: 'false' } }), 201);
    await expect(api(source, 'POST', '/projects', { project_name: 'returned', metadata: { public: 'false' } }), 201);
    timings.setup = Date.now() - started;
  });

  after(async () => {
    await Promise.all([source?.stop(), second?.stop(), mirror?.stop()]);
    if (work) removeDir(work);
    if (PG_URL) await onPostgres(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    console.log(`replication e2e timings (ms), source on ${PG_URL ? 'PostgreSQL' : 'SQLite'}: ${JSON.stringify(timings)}`);
  });

  test('skopeo copies a multi-arch index into Berth with --all, and berth sign signs it', async () => {
    await client.skopeo([
      'copy',
      '--all',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds(source.host),
      `oci:${layout}:multi`,
      `docker://${source.host}/origin/app:1.0`,
    ]);
    await sign('origin/app:1.0');
    signature = await inspectRaw(source.host, `origin/app:${signatureTag}`);
    const parsed = JSON.parse(signature.toString('utf8')) as { layers: Array<{ mediaType: string; annotations?: Record<string, string> }> };
    assert.equal(parsed.layers[0]?.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.ok(parsed.layers[0]?.annotations?.['dev.cosignproject.cosign/signature'], 'the signature layer carries a signature');
    signatureLayout = join(work, 'signature');
    await copyOut(source.host, `origin/app:${signatureTag}`, signatureLayout, 'sig');
    const accessories = await expect<Json[]>(api(source, 'GET', `/projects/origin/repositories/app/artifacts/${index.digest}/accessories`), 200);
    assert.deepEqual(
      accessories.map((a) => a.type),
      ['signature.cosign'],
    );
    await assertReplica(source.host, 'origin/app', '1.0');
  });

  test('registry endpoints: docker-registry with Basic credentials, the second Berth as harbor', async () => {
    const endpoints = [
      { name: 'mirror', type: 'docker-registry', url: mirror.url, access_key: MIRROR_USER, access_secret: MIRROR_PASSWORD },
      { name: 'second-berth', type: 'harbor', url: second.url, access_key: ADMIN_USER, access_secret: ADMIN_PASSWORD },
    ];
    for (const { name, type, url, access_key, access_secret } of endpoints) {
      // Harbor's ping takes the connection fields flat; a wrong password is told apart before anything is stored.
      const wrong = await api(source, 'POST', '/registries/ping', { type, url, access_key, access_secret: 'wrong' });
      assert.equal(wrong.status, 400, `ping ${name} with a wrong password`);
      assert.match(await wrong.text(), /refused the credentials/);
      assert.equal((await api(source, 'POST', '/registries/ping', { type, url, access_key, access_secret })).status, 200, `ping ${name}`);
      registryIds[name] = await created(api(source, 'POST', '/registries', { name, type, url, credential: { type: 'basic', access_key, access_secret } }));
    }
  });

  test('push replication to docker-registry, started by hand', async () => {
    const started = Date.now();
    const policyId = await createPolicy({
      name: 'to-mirror',
      dest_registry: { id: registryIds.mirror },
      dest_namespace: 'manual',
      filters: [
        { type: 'name', value: 'origin/app' },
        { type: 'tag', value: '1.*' },
      ],
      trigger: { type: 'manual' },
    });
    const execution = await runToEnd(policyId);
    assert.deepEqual([execution.status, execution.trigger, execution.succeed, execution.failed], ['Succeed', 'manual', 1, 0], JSON.stringify(execution));
    timings.manualPush = Date.now() - started;
    await assertReplica(mirror.host, 'manual/app', '1.0');
  });

  test('push replication to docker-registry, started by its cron schedule', async () => {
    const started = Date.now();
    // A cron with one value in the seconds field fires once a minute (the shortest interval a
    // schedule may have); the value chosen is a few seconds from now, so the first run is near.
    const atSecond = (new Date().getUTCSeconds() + 5) % 60;
    const policyId = await createPolicy({
      name: 'nightly-mirror',
      dest_registry: { id: registryIds.mirror },
      dest_namespace: 'scheduled',
      filters: [{ type: 'name', value: 'origin/**' }],
      trigger: { type: 'scheduled', trigger_settings: { cron: `${atSecond} * * * * *` } },
    });
    const run = await waitFor('a scheduled run', 75_000, async () => {
      const runs = await expect<Json[]>(api(source, 'GET', `/replication/executions?policy_id=${policyId}`), 200);
      return runs[0];
    });
    assert.equal(run.trigger, 'scheduled');
    const execution = await finished(Number(run.id));
    assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
    // Off again before it fires a second time.
    await expect(api(source, 'DELETE', `/replication/policies/${policyId}`), 200);
    timings.scheduledPush = Date.now() - started;
    await assertReplica(mirror.host, 'scheduled/app', '1.0');
  });

  test('push replication to docker-registry on a push event: a new tag arrives within seconds, and its signature after it', async () => {
    await createPolicy({
      name: 'live-mirror',
      dest_registry: { id: registryIds.mirror },
      dest_namespace: 'live',
      filters: [{ type: 'name', value: 'origin/app' }],
      trigger: { type: 'event_based' },
    });
    const single = layoutRef(layout, 'amd');
    const started = Date.now();
    await client.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds(source.host), `oci:${layout}:amd`, `docker://${source.host}/origin/app:2.0`]);
    const pushed = Date.now();
    await waitFor('live/app:2.0 on docker-registry', 30_000, async () => {
      const res = await client.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(mirror.host), `docker://${mirror.host}/live/app:2.0`], {
        allowFail: true,
      });
      return res.code === 0 ? true : undefined;
    });
    timings.eventPush = Date.now() - pushed;
    await assertReplica(mirror.host, 'live/app', '2.0', single);

    // A signature pushed later follows its image.
    await sign('origin/app:2.0');
    const tag = `${single.digest.replace(':', '-')}.sig`;
    const signed = await inspectRaw(source.host, `origin/app:${tag}`);
    await waitFor(`live/app:${tag} on docker-registry`, 30_000, async () => {
      const res = await client.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(mirror.host), `docker://${mirror.host}/live/app:${tag}`], {
        allowFail: true,
      });
      return res.code === 0 ? Buffer.from(res.stdout, 'utf8') : undefined;
    }).then((there) => assert.ok(there.equals(signed), 'the signature bytes differ'));
    timings.eventPushWithSignature = Date.now() - started;
    // Only what was pushed went: the event policy does not copy 1.0.
    const untouched = await client.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(mirror.host), `docker://${mirror.host}/live/app:1.0`], {
      allowFail: true,
    });
    assert.notEqual(untouched.code, 0, 'live/app:1.0 was copied by an event about 2.0');
  });

  test('pull replication from docker-registry into another project', async () => {
    const started = Date.now();
    const policyId = await createPolicy({
      name: 'from-mirror',
      src_registry: { id: registryIds.mirror },
      dest_namespace: 'pulled',
      filters: [{ type: 'name', value: 'manual/**' }],
      trigger: { type: 'manual' },
    });
    const execution = await runToEnd(policyId);
    assert.deepEqual([execution.status, execution.succeed, execution.failed], ['Succeed', 1, 0], JSON.stringify(execution));
    timings.pull = Date.now() - started;
    await assertReplica(source.host, 'pulled/app', '1.0');
    const accessories = await expect<Json[]>(api(source, 'GET', `/projects/pulled/repositories/app/artifacts/${index.digest}/accessories`), 200);
    assert.deepEqual(
      accessories.map((a) => a.type),
      ['signature.cosign'],
    );
  });

  /** The digests of the OCI 1.1 referrers of `digest`, as a registry's referrers API lists them. */
  const referrers = async (server: RegistryServer, repository: string, digest: string): Promise<string[]> => {
    const res = await new TestClient(server.url, admin).request('GET', `/v2/${repository}/referrers/${digest}`, { scope: `repository:${repository}:pull` });
    assert.equal(res.status, 200, `referrers of ${repository}@${digest}`);
    return ((await res.json()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
  };

  test('push replication to a second Berth registered as a harbor endpoint, referrer signatures included', async () => {
    // A second signature, as an OCI 1.1 referrer (subject) rather than under cosign's tag.
    await sign('origin/app:1.0', 'referrer');
    // Berth's referrers API lists the tag-scheme signature too, as Harbor's does (it lists accessories).
    const listed = await referrers(source, 'origin/app', index.digest);
    const referrer = listed.find((digest) => digest !== `sha256:${sha256(signature)}`);
    assert.ok(referrer, 'berth sign --mode referrer left a referrer');
    assert.equal(listed.length, 2);
    const started = Date.now();
    const policyId = await createPolicy({
      name: 'to-second-berth',
      dest_registry: { id: registryIds['second-berth'] },
      dest_namespace: 'replica',
      filters: [
        { type: 'name', value: 'origin/app' },
        { type: 'tag', value: '1.0' },
      ],
      trigger: { type: 'manual' },
    });
    const execution = await runToEnd(policyId);
    assert.deepEqual([execution.status, execution.succeed, execution.failed], ['Succeed', 1, 0], JSON.stringify(execution));
    timings.berthToBerth = Date.now() - started;
    await assertReplica(second.host, 'replica/app', '1.0');
    assert.deepEqual((await referrers(second, 'replica/app', index.digest)).sort(), [...listed].sort());
    assert.ok(
      (await inspectRaw(second.host, `replica/app@${referrer}`)).equals(await inspectRaw(source.host, `origin/app@${referrer}`)),
      'the referrer signature differs',
    );
    // The second Berth knows what arrived: an image index of two images, with both signatures.
    const artifact = await expect<Json>(api(second, 'GET', `/projects/replica/repositories/app/artifacts/${index.digest}`), 200);
    assert.equal((artifact.references as unknown[] | undefined)?.length, 2);
    const accessories = await expect<Json[]>(api(second, 'GET', `/projects/replica/repositories/app/artifacts/${index.digest}/accessories`), 200);
    assert.deepEqual(
      accessories.map((a) => a.type),
      ['signature.cosign', 'signature.cosign'],
    );
  });

  test('pull replication from the second Berth back into a third project', async () => {
    const started = Date.now();
    const policyId = await createPolicy({
      name: 'from-second-berth',
      src_registry: { id: registryIds['second-berth'] },
      dest_namespace: 'returned',
      filters: [{ type: 'name', value: 'replica/**' }],
      trigger: { type: 'manual' },
    });
    const execution = await runToEnd(policyId);
    assert.deepEqual([execution.status, execution.succeed, execution.failed], ['Succeed', 1, 0], JSON.stringify(execution));
    timings.pullFromBerth = Date.now() - started;
    await assertReplica(source.host, 'returned/app', '1.0');
    assert.deepEqual((await referrers(source, 'returned/app', index.digest)).sort(), (await referrers(source, 'origin/app', index.digest)).sort());
    const accessories = await expect<Json[]>(api(source, 'GET', `/projects/returned/repositories/app/artifacts/${index.digest}/accessories`), 200);
    assert.equal(accessories.length, 2);
  });

  test('a push to the second Berth creates a destination project that is missing there, as Harbor does', async () => {
    const policyId = await createPolicy({
      name: 'to-new-project',
      dest_registry: { id: registryIds['second-berth'] },
      dest_namespace: 'fresh',
      filters: [
        { type: 'name', value: 'origin/app' },
        { type: 'tag', value: '2.0' },
      ],
      trigger: { type: 'manual' },
    });
    const execution = await runToEnd(policyId);
    assert.deepEqual([execution.status, execution.succeed, execution.failed], ['Succeed', 1, 0], JSON.stringify(execution));
    const [task] = await expect<Json[]>(api(source, 'GET', `/replication/executions/${String(execution.id)}/tasks`), 200);
    const log = await (await api(source, 'GET', `/replication/executions/${String(execution.id)}/tasks/${String(task?.id)}/log`)).text();
    assert.match(log, /created project fresh on http:\/\/127\.0\.0\.1:\d+/);
    // Private like its source project.
    const project = await expect<Json>(api(second, 'GET', '/projects/fresh'), 200);
    assert.equal((project.metadata as Json | undefined)?.public, 'false');
    await assertReplica(second.host, 'fresh/app', '2.0', layoutRef(layout, 'amd'));
  });

  test('a Docker manifest list (schema 2) made by skopeo replicates byte for byte to docker-registry and to the second Berth', async () => {
    // skopeo converts the OCI index and its images to Docker's media types on the way in.
    await client.skopeo([
      'copy',
      '--all',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds(source.host),
      `oci:${layout}:multi`,
      `docker://${source.host}/origin/docker:1.0`,
    ]);
    const list = await inspectRaw(source.host, 'origin/docker:1.0');
    assert.equal((JSON.parse(list.toString('utf8')) as { mediaType: string }).mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    /** `copy --all` into a `dir:` keeps manifests as they are: every file, named by digest, by bytes. */
    const copyToDir = async (host: string, reference: string): Promise<Map<string, Buffer>> => {
      const out = join(work, `dir-${host.replace(/\W/g, '-')}-${reference.replace(/\W/g, '-')}`);
      await client.skopeo(['copy', '--all', '--src-tls-verify=false', '--src-creds', creds(host), `docker://${host}/${reference}`, `dir:${out}`]);
      return new Map(readdirSync(out).map((name) => [name, readFileSync(join(out, name))]));
    };
    const want = await copyToDir(source.host, 'origin/docker:1.0');
    assert.equal(want.size, 8, `version, the list, two manifests, two configs and two layers: ${[...want.keys()].join(' ')}`);
    for (const [registry, namespace] of [
      ['mirror', 'dockerlists'],
      ['second-berth', 'replica'],
    ] as const) {
      const policyId = await createPolicy({
        name: `docker-list-to-${registry}`,
        dest_registry: { id: registryIds[registry] },
        dest_namespace: namespace,
        filters: [{ type: 'name', value: 'origin/docker' }],
        trigger: { type: 'manual' },
      });
      const execution = await runToEnd(policyId);
      assert.deepEqual([execution.status, execution.succeed, execution.failed], ['Succeed', 1, 0], JSON.stringify(execution));
      const host = registry === 'mirror' ? mirror.host : second.host;
      assert.ok((await inspectRaw(host, `${namespace}/docker:1.0`)).equals(list), `${registry}: the list's bytes differ`);
      const got = await copyToDir(host, `${namespace}/docker:1.0`);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [name, bytes] of got) assert.ok(bytes.equals(want.get(name)!), `${registry}: ${name} differs`);
    }
  });

  test('a throttled run stopped mid-transfer ends Stopped, and the next run completes the copy', async (t) => {
    // A registry that holds none of the layers yet: on the mirror they would be mounted, not sent.
    const empty = await startDistribution({ basicAuth: { username: MIRROR_USER, password: MIRROR_PASSWORD } });
    t.after(() => empty.stop());
    const emptyId = await created(
      api(source, 'POST', '/registries', {
        name: 'empty-mirror',
        type: 'docker-registry',
        url: empty.url,
        credential: { type: 'basic', access_key: MIRROR_USER, access_secret: MIRROR_PASSWORD },
      }),
    );
    const body = {
      name: 'throttled',
      dest_registry: { id: emptyId },
      dest_namespace: 'throttled',
      filters: [
        { type: 'name', value: 'origin/app' },
        { type: 'tag', value: '2.0' },
      ],
      trigger: { type: 'manual' },
      speed: 512, // KiB/s: the 9 MiB layer takes about 18 s
    };
    const policyId = await createPolicy(body);
    const id = await created(api(source, 'POST', '/replication/executions', { policy_id: policyId }));
    await waitFor('a copy task sending bytes', 30_000, async () => {
      const tasks = await expect<Json[]>(api(source, 'GET', `/replication/executions/${id}/tasks`), 200);
      return tasks.some((t) => t.status === 'InProgress') ? true : undefined;
    });
    await sleep(1000);
    const stopping = Date.now();
    await expect(api(source, 'PUT', `/replication/executions/${id}`), 200);
    const stopped = await finished(id);
    timings.stop = Date.now() - stopping;
    assert.equal(stopped.status, 'Stopped', JSON.stringify(stopped));
    assert.ok(timings.stop < 10_000, `stopping took ${timings.stop} ms`);
    const half = await client.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(empty.host), `docker://${empty.host}/throttled/app:2.0`], {
      allowFail: true,
    });
    assert.notEqual(half.code, 0, 'the stopped run tagged the image');

    await expect(api(source, 'PUT', `/replication/policies/${policyId}`, { ...body, speed: 0 }), 200);
    const execution = await runToEnd(policyId);
    assert.deepEqual([execution.status, execution.succeed], ['Succeed', 1], JSON.stringify(execution));
    await assertReplica(empty.host, 'throttled/app', '2.0', layoutRef(layout, 'amd'));
  });
});
