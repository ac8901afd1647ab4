/**
 * Scale-out as it is deployed: two `berth serve` processes on one PostgreSQL database and one S3
 * bucket (s3rver), behind haproxy (round robin, no stickiness, health-checked on /readyz). What
 * a user of the load-balanced address sees: skopeo and podman push and pull identical bytes, a
 * chunked upload spread over both instances completes, a push survives the SIGKILL of the
 * instance receiving it (haproxy marks it down, the client's retry lands on the other), a
 * schedule fires once however many instances run, and a membership removed through one instance
 * closes the other within the bound of the cache invalidation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { basic, sha256 as digestOf, TestClient } from '../../src/testing/client.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  layoutRef,
  makeTempDir,
  reachableBlobs,
  readBlob,
  removeDir,
  requireTools,
  sha256,
  sleep,
  writeImageLayout,
  type RunResult,
} from './harness.js';
import { scaleOutSkip, startScaleOut, tarOf, type Haproxy, type ScaleOut } from './scale-out.js';

const MiB = 1024 * 1024;
const TOOLS = ['skopeo', 'podman', 'haproxy'];
/** The bound the cache invalidation is tested to (src/platform/db/invalidation.test.ts), well under the caches' 5 s lifetime. */
const INVALIDATION_BOUND_MS = 2_000;

/** Bytes a process has read (sockets included), from /proc. */
function bytesRead(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return Number(m?.[1] ?? 0);
  } catch {
    return 0;
  }
}

describe('two instances on PostgreSQL and S3 behind haproxy', { skip: scaleOutSkip(...TOOLS), timeout: 600_000 }, () => {
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  const creds = `${ADMIN_USER}:${ADMIN_PASSWORD}`;
  let scale: ScaleOut | undefined;
  let proxy: Haproxy;
  let work: string;
  let shortDir = '';

  before(async () => {
    requireTools(...TOOLS);
    scale = await startScaleOut({ name: 'scale-out', storage: 's3', haproxy: true, env: { BERTH_JOBS_POLL_INTERVAL_MS: '200' } });
    proxy = scale.proxy!;
    work = scale.work;
    shortDir = makeTempDir('pm');
  });

  after(async () => {
    if (shortDir) removeDir(shortDir);
    await scale?.stop();
  });

  const api = async (base: string, method: string, path: string, body?: unknown, authorization = admin): Promise<Response> =>
    fetch(`${base}/api/v2.0${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const ok = async <T>(res: Promise<Response>): Promise<T> => {
    const r = await res;
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${r.url}: ${r.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  it('skopeo and podman push and pull identical bytes through the load balancer', async () => {
    const layout = join(work, 'layout');
    const payload = randomBytes(5 * MiB);
    const hello = Buffer.from(`hello from ${randomBytes(6).toString('hex')}\n`);
    const tar = tarOf({ 'hello.txt': hello, 'payload.bin': payload });
    const image = writeImageLayout(layout, 'v1', tar);
    // A short path: podman refuses a runroot longer than 50 characters.
    const client = new ClientEnv(shortDir, proxy.host);
    await client.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v1`, `docker://${proxy.host}/library/app:v1`]);

    // podman pulls what skopeo pushed: the same manifest, the same files.
    const login = await client.podman(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, proxy.host]);
    assert.match(login.stdout, /Login Succeeded/);
    const ref = `${proxy.host}/library/app`;
    await client.podman(['pull', `${ref}:v1`]);
    const [info] = JSON.parse((await client.podman(['image', 'inspect', `${ref}:v1`])).stdout) as Array<{ Digest: string }>;
    assert.equal(info?.Digest, image.digest);
    const mountpoint = (await client.podman(['image', 'mount', `${ref}:v1`])).stdout.trim();
    try {
      assert.ok(readFileSync(join(mountpoint, 'payload.bin')).equals(payload), 'payload.bin differs');
      assert.ok(readFileSync(join(mountpoint, 'hello.txt')).equals(hello));
    } finally {
      await client.podman(['image', 'unmount', `${ref}:v1`]);
    }

    // podman pushes it under another tag; skopeo pulls both tags back.
    await client.podman(['push', `${ref}:v1`, `${ref}:v2`]);
    const want = reachableBlobs(layout, image.digest);
    const out = join(work, 'out');
    await client.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${ref}:v1`, `oci:${out}:v1`]);
    assert.equal(layoutRef(out, 'v1').digest, image.digest);
    const got = reachableBlobs(out, image.digest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) assert.ok(bytes.equals(want.get(digest)!), `${digest} differs`);

    await client.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${ref}:v2`, `oci:${out}:v2`]);
    const v2 = JSON.parse(readBlob(out, layoutRef(out, 'v2').digest).toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    const v1 = JSON.parse(readBlob(layout, image.digest).toString('utf8')) as { config: { digest: string } };
    assert.equal(v2.config.digest, v1.config.digest, 'podman pushed another config');
    for (const [digest, bytes] of reachableBlobs(out, layoutRef(out, 'v2').digest)) assert.equal(`sha256:${sha256(bytes)}`, digest);
    const layer = readBlob(out, v2.layers[0]!.digest);
    assert.ok(gunzipSync(layer).equals(tar), 'the layer podman pushed unpacks to other bytes');
  });

  it('completes a chunked upload whose requests the load balancer spread over both instances', async () => {
    // A new connection for every request, as separate clients would make; haproxy balances each request.
    const client = new TestClient(proxy.url, admin);
    const data = randomBytes(13 * MiB + 5);
    const chunk = 3 * MiB;
    const servedBy: string[] = [];
    const served = (res: Response): void => void servedBy.push(res.headers.get('x-berth-instance') ?? '?');
    const begun = await client.request('POST', '/v2/library/spread/blobs/uploads/', { headers: { connection: 'close' } });
    assert.equal(begun.status, 202, await begun.text());
    served(begun);
    let location = begun.headers.get('location') ?? '';
    for (let offset = 0; offset < data.length; offset += chunk) {
      const end = Math.min(offset + chunk, data.length);
      const res = await client.request('PATCH', location, {
        body: new Uint8Array(data.subarray(offset, end)),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}`, connection: 'close' },
      });
      assert.equal(res.status, 202, await res.text());
      served(res);
      location = res.headers.get('location') ?? '';
    }
    const digest = digestOf(data);
    const done = await client.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { headers: { connection: 'close' } });
    assert.equal(done.status, 201, await done.text());
    served(done);
    console.log(`chunked upload requests served by: ${servedBy.join(' ')}`);
    assert.deepEqual([...new Set(servedBy)].sort(), ['berth1', 'berth2'], 'one instance took every request');
    const pulled = await client.request('GET', `/v2/library/spread/blobs/${digest}`);
    assert.equal(pulled.status, 200);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(data));
  });

  it('fires a schedule once per due time with both instances running', async () => {
    const [a, b] = scale!.instances;
    // Both instances run workers and schedules.
    const pools = await ok<Array<{ worker_pool_id: string }>>(api(a!.url, 'GET', '/jobservice/pools'));
    assert.equal(pools.length, 2);
    // A GC every minute, at a second a few seconds from now.
    const second = new Date(Date.now() + 8_000).getUTCSeconds();
    await ok(api(proxy.url, 'POST', '/system/gc/schedule', { schedule: { type: 'Custom', cron: `${second} * * * * *` }, parameters: {} }));
    const set = await ok<{ schedule: { next_scheduled_time: string } }>(api(b!.url, 'GET', '/system/gc/schedule'));
    const due = Date.parse(set.schedule.next_scheduled_time);
    assert.ok(due > Date.now() && due - Date.now() < 61_000, set.schedule.next_scheduled_time);
    // Past the due time, and long enough for a second instance's duplicate run to show.
    while (Date.now() < due + 10_000) await sleep(500);
    const runs = await ok<Array<{ id: number; job_kind: string; creation_time: string; job_status: string }>>(api(proxy.url, 'GET', '/system/gc?page_size=100'));
    const scheduled = runs.filter((r) => r.job_kind.toUpperCase() === 'SCHEDULE');
    const lag = scheduled.map((r) => Date.parse(r.creation_time) - due);
    console.log(
      `scheduled GC runs: ${JSON.stringify(runs.map((r) => [r.job_kind, r.creation_time, r.job_status]))}; started ${lag.join(', ')} ms after the due time`,
    );
    assert.equal(scheduled.length, 1, 'the due time fired other than once');
    assert.ok(lag[0]! >= 0 && lag[0]! < 10_000);
    const after = await ok<{ schedule: { next_scheduled_time: string } }>(api(a!.url, 'GET', '/system/gc/schedule'));
    assert.equal(Date.parse(after.schedule.next_scheduled_time), due + 60_000);
    await ok(api(proxy.url, 'PUT', '/system/gc/schedule', { schedule: { type: 'None' } }));
  });

  it(`closes a project to a member removed through one instance on the other within ${INVALIDATION_BOUND_MS} ms`, async () => {
    const [a, b] = scale!.instances;
    await ok(api(proxy.url, 'POST', '/users', { username: 'dora', password: 'Passw0rd-dora', email: 'dora@example.com', realname: 'Dora' }));
    await ok(api(proxy.url, 'POST', '/projects', { project_name: 'team', metadata: { public: 'false' } }));
    const { digest } = await new TestClient(proxy.url, admin).pushImage('team/app', 'v1');
    await ok(api(a!.url, 'POST', '/projects/team/members', { role_id: 3, member_user: { username: 'dora' } }));

    // dora pulls from B: B holds her token, her account and her membership in its caches.
    const dora = new TestClient(b!.url, basic('dora', 'Passw0rd-dora'));
    const manifest = (): Promise<Response> =>
      dora.request('GET', '/v2/team/app/manifests/v1', { scope: 'repository:team/app:pull', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const first = await manifest();
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('docker-content-digest'), digest);
    for (let i = 0; i < 3; i++) assert.equal((await manifest()).status, 200);

    const members = await ok<Array<{ id: number; entity_name: string }>>(api(a!.url, 'GET', '/projects/team/members'));
    const member = members.find((m) => m.entity_name === 'dora');
    assert.ok(member);
    assert.equal((await api(a!.url, 'DELETE', `/projects/team/members/${member.id}`)).status, 200);
    const removed = performance.now();
    // The token B issued stays unexpired, but every request is checked against her permissions now.
    let status = 200;
    while (status === 200 && performance.now() - removed < 6_000) {
      status = (await manifest()).status;
      if (status === 200) await sleep(5);
    }
    const elapsed = performance.now() - removed;
    console.log(`membership removed through A: B refused the pull (${status}) ${elapsed.toFixed(0)} ms later`);
    assert.notEqual(status, 200, 'B still serves the removed member');
    assert.ok(elapsed <= INVALIDATION_BOUND_MS, `B took ${elapsed.toFixed(0)} ms`);
    // A fresh login is refused too.
    const again = new ClientEnv(join(work, 'dora'), b!.host);
    const res = await again.skopeo(['inspect', '--tls-verify=false', '--creds', 'dora:Passw0rd-dora', `docker://${b!.host}/team/app:v1`], { allowFail: true });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /unauthorized|denied|not found|authentication required/i);
  });

  it('finishes a push through the load balancer when the instance receiving it is killed', async () => {
    const instances = scale!.instances;
    const layout = join(work, 'big');
    const image = writeImageLayout(layout, 'v1', randomBytes(128 * MiB));
    const client = new ClientEnv(join(work, 'big-client'), proxy.host);
    // Making the layer kept this process (and the s3rver in it) busy: the health checks recover first.
    await proxy.waitFor((stats) => stats.every((s) => s.status === 'UP'), 20_000, 'every instance UP');
    const copy = (): Promise<RunResult> =>
      client.skopeo(['copy', '--retry-times', '3', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v1`, `docker://${proxy.host}/library/big:v1`], {
        allowFail: true,
        timeoutMs: 240_000,
      });
    const before = instances.map((i) => bytesRead(i.pid));
    const pushing = copy();
    // Whichever instance has read 16 MiB of the layer is the one receiving it.
    let victim = -1;
    const deadline = Date.now() + 120_000;
    while (victim < 0 && Date.now() < deadline) {
      victim = instances.findIndex((instance, i) => bytesRead(instance.pid) - before[i]! > 16 * MiB);
      if (victim < 0) await sleep(10);
    }
    if (victim < 0) {
      const result = await pushing;
      assert.fail(`no instance received the layer: skopeo exit ${result.code}, ${result.stderr}; read ${instances.map((i, n) => bytesRead(i.pid) - before[n]!)}`);
    }
    const name = proxy.names[victim]!;
    const received = (bytesRead(instances[victim]!.pid) - before[victim]!) / MiB;
    await instances[victim]!.kill();
    const downAfter = await proxy.waitFor((stats) => stats.some((s) => s.name === name && s.status.startsWith('DOWN')), 10_000, `${name} DOWN`);
    console.log(`killed ${name} mid-push (it had read ${received.toFixed(0)} MiB); haproxy marked it DOWN ${downAfter} ms later`);

    let result = await pushing;
    let attempts = 1;
    if (result.code !== 0) {
      // skopeo's own retries gave up (the failure is not one it retries): the user runs it again.
      console.log(`skopeo copy failed once the instance died: ${result.stderr.trim().split('\n').slice(-1)[0]}`);
      result = await copy();
      attempts++;
    }
    assert.equal(result.code, 0, result.stderr);
    console.log(`push finished after ${attempts} skopeo run(s)`);

    const out = join(work, 'big-out');
    await client.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${proxy.host}/library/big:v1`, `oci:${out}:v1`], { timeoutMs: 240_000 });
    assert.equal(layoutRef(out, 'v1').digest, image.digest);
    const want = reachableBlobs(layout, image.digest);
    const got = reachableBlobs(out, image.digest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) assert.ok(bytes.equals(want.get(digest)!), `${digest} differs`);

    // The instance comes back on the same port and haproxy sends it requests again.
    await instances[victim]!.restart();
    const upAfter = await proxy.waitFor((stats) => stats.every((s) => s.status === 'UP'), 20_000, 'every instance UP again');
    console.log(`restarted ${name}: UP in haproxy ${upAfter} ms after it was ready`);
  });
});
