/**
 * Online garbage collection (Berth only: distribution's GC is offline, read-only mode).
 *
 * Seeds N small distinct blobs as images of one config + (blobsPerImage − 1) layers, pushed
 * through the registry API (`POST …/blobs/uploads/?digest=` with the body, then the manifest
 * by tag), then deletes every tenth image by digest: its blobs, unique to it, become garbage.
 * Then, on a server whose GC grace window is 0 minutes:
 *  (a) small-image pushes (as `docker push` does them, `pushers` at once) for a fixed time;
 *  (b) a manual GC, with the same pushes running until it ends.
 * The figure of merit is (b)'s push throughput as a share of (a)'s; target ≥ 80%.
 * Afterwards the garbage must answer 404 and a sample of kept images must still pull.
 */
import { performance } from 'node:perf_hooks';
import { RegistryClient } from './client.js';
import { blobBytes, sha256Digest } from './data.js';
import { pool, pushImage, type Measured } from './workloads.js';

export interface GcPlan {
  blobs: number;
  /** One config and the rest layers. */
  blobsPerImage: number;
  seedConcurrency: number;
  pushers: number;
  /** Duration of the push run without GC. */
  baselineSeconds: number;
  /** A GC that runs longer fails the workload. */
  maxGcSeconds: number;
  /** How many garbage blobs are checked for 404, and kept images pulled, after GC. */
  verifyBlobs: number;
  verifyImages: number;
}

/** Pushes while GC runs must keep this share of their throughput without it. */
export const GC_PUSH_TARGET = 0.8;

export interface GcFigures {
  blobs: number;
  images: number;
  garbageImages: number;
  garbageBlobs: number;
  garbageBytes: number;
  seedSeconds: number;
  seedRequests: number;
  gcSeconds: number;
  gcStatus: string;
  purgedBlobs: number;
  purgedManifests: number;
  freedBytes: number;
  /** Images/s without GC, and while it ran. */
  baseline: number;
  during: number;
  duringImages: number;
  duringSeconds: number;
  failedPushes: number;
}

interface Credentials {
  username: string;
  password: string;
}

interface SeededImage {
  tag: string;
  manifest: string;
  blobs: Array<{ digest: string; size: number }>;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const REPO = 'library/bench-gc';
const PUSH_REPO = 'library/bench-gc-push';

/** 1–4 KiB, spread deterministically so runs are comparable. */
const blobSize = (image: number, index: number): number => 1024 + ((((image * 131 + index * 7919) * 2654435761) >>> 0) % 3073);

/** Every tenth image (spread over the whole id range, as real deletions are) becomes garbage. */
const isGarbage = (image: number): boolean => image % 10 === 9;

function imageBlobs(image: number, blobsPerImage: number): { config: Buffer; layers: Buffer[] } {
  const layers = Array.from({ length: blobsPerImage - 1 }, (_, j) => blobBytes({ seed: `gc-${image}-${j}`, size: blobSize(image, j) }));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: [`BENCH_GC_IMAGE=${image}`] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256Digest(l)) },
    }),
  );
  return { config, layers };
}

function manifestOf(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(l), size: l.length })),
    }),
  );
}

export interface GcSeed {
  images: SeededImage[];
  seconds: number;
  requests: number;
}

/** Seeds the images (progress every 10%), then deletes the garbage ones by digest. */
export async function seedGc(c: RegistryClient, plan: GcPlan, log: (line: string) => void): Promise<GcSeed> {
  const count = Math.floor(plan.blobs / plan.blobsPerImage);
  const images: SeededImage[] = new Array<SeededImage>(count);
  const step = Math.max(1, Math.floor(count / 10));
  let done = 0;
  let requests = 0;
  const t0 = performance.now();
  await pool(
    Array.from({ length: count }, (_, i) => i),
    plan.seedConcurrency,
    async (i) => {
      const { config, layers } = imageBlobs(i, plan.blobsPerImage);
      for (const blob of [config, ...layers]) {
        const digest = sha256Digest(blob);
        await c.request('POST', `/v2/${REPO}/blobs/uploads/?digest=${digest}`, {
          headers: { 'content-type': 'application/octet-stream' },
          body: blob,
          expect: [201],
        });
        requests++;
      }
      const manifest = manifestOf(config, layers);
      const tag = `img-${i}`;
      await c.request('PUT', `/v2/${REPO}/manifests/${tag}`, { headers: { 'content-type': OCI_MANIFEST }, body: manifest, expect: [201] });
      requests++;
      images[i] = { tag, manifest: sha256Digest(manifest), blobs: [config, ...layers].map((b) => ({ digest: sha256Digest(b), size: b.length })) };
      if (++done % step === 0 || done === count) {
        const s = (performance.now() - t0) / 1000;
        log(`  gc seeding: ${done}/${count} images, ${done * plan.blobsPerImage} blobs, ${s.toFixed(1)} s, ${((done * plan.blobsPerImage) / s).toFixed(0)} blobs/s`);
      }
    },
  );
  const garbage = images.filter((_, i) => isGarbage(i));
  await pool(garbage, plan.seedConcurrency, async (image) => {
    await c.request('DELETE', `/v2/${REPO}/manifests/${image.manifest}`, { expect: [202] });
    requests++;
  });
  const seconds = (performance.now() - t0) / 1000;
  log(`  gc seeding done: ${count} images / ${count * plan.blobsPerImage} blobs, ${garbage.length} images deleted, ${seconds.toFixed(1)} s`);
  return { images, seconds, requests };
}

interface PushRun {
  images: number;
  seconds: number;
  failures: number;
  firstFailure?: string;
}

/** `pushers` small-image pushes at once until `stop()` says so; the in-flight ones finish and count. */
async function pushUntil(c: RegistryClient, pushers: number, prefix: string, stop: () => boolean): Promise<PushRun> {
  let images = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: pushers }, async () => {
      while (!stop()) {
        const n = next++;
        try {
          await pushImage(c, `${prefix}-${n}`, `${prefix}-${n}`);
          images++;
        } catch (err) {
          // A push refused during GC is a finding, not a reason to stop measuring.
          failures++;
          firstFailure ??= (err as Error).message.split('\n')[0];
        }
      }
    }),
  );
  return { images, seconds: (performance.now() - t0) / 1000, failures, firstFailure };
}

interface GcRunJson {
  id: number;
  job_status: string;
  job_parameters: string;
}

class GcApi {
  private readonly auth: string;

  constructor(
    private readonly baseUrl: string,
    credentials: Credentials,
  ) {
    this.auth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.baseUrl}/api/v2.0${path}`, {
      method,
      headers: { authorization: this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res;
  }

  async start(): Promise<number> {
    const res = await this.call('POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: false } });
    const id = /\/system\/gc\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1];
    if (id) return Number(id);
    // No Location: the newest run is ours (nothing else starts GC on this server).
    const [newest] = (await (await this.call('GET', '/system/gc?page=1&page_size=1')).json()) as GcRunJson[];
    if (!newest) throw new Error('POST /system/gc/schedule: no run listed afterwards');
    return newest.id;
  }

  async run(id: number): Promise<GcRunJson> {
    return (await (await this.call('GET', `/system/gc/${id}`)).json()) as GcRunJson;
  }

  async log(id: number): Promise<string> {
    return (await this.call('GET', `/system/gc/${id}/log`)).text();
  }
}

const finished = (status: string): boolean => !['Pending', 'Running'].includes(status);

async function headStatus(c: RegistryClient, digest: string): Promise<number> {
  return (await c.request('HEAD', `/v2/${REPO}/blobs/${digest}`, { expect: [200, 404] })).status;
}

/** Evenly spread picks from a list. */
function sample<T>(list: readonly T[], n: number): T[] {
  const stride = Math.max(1, list.length / n);
  const out: T[] = [];
  for (let i = 0; i < list.length && out.length < n; i += stride) out.push(list[Math.floor(i)] as T);
  return out;
}

/** The timed part: pushes without GC, then pushes during GC, then the checks (untimed). */
export async function gcUnderLoad(
  baseUrl: string,
  credentials: Credentials,
  seeded: GcSeed,
  plan: GcPlan,
  log: (line: string) => void,
): Promise<Measured & { gc: GcFigures }> {
  const seedClient = new RegistryClient({ baseUrl, ...credentials, repository: REPO, maxSockets: plan.seedConcurrency });
  const pushClient = new RegistryClient({ baseUrl, ...credentials, repository: PUSH_REPO, maxSockets: plan.pushers });
  try {
    await seedClient.login();
    await pushClient.login();
    const garbage = seeded.images.filter((_, i) => isGarbage(i));
    const kept = seeded.images.filter((_, i) => !isGarbage(i));
    const garbageBlobs = garbage.flatMap((img) => img.blobs);
    const garbageBytes = garbageBlobs.reduce((n, b) => n + b.size, 0);
    const probe = sample(garbageBlobs, 20);
    const linkedBefore = (await Promise.all(probe.map((b) => headStatus(seedClient, b.digest)))).filter((s) => s === 200).length;

    // Untimed warm-up: the first pushes pay for creating the repository and cold caches.
    const warmEnd = performance.now() + 1000;
    await pushUntil(pushClient, plan.pushers, 'gc-warm', () => performance.now() >= warmEnd);

    const baselineEnd = performance.now() + plan.baselineSeconds * 1000;
    const baseline = await pushUntil(pushClient, plan.pushers, 'gc-base', () => performance.now() >= baselineEnd);
    if (baseline.failures) throw new Error(`${baseline.failures} pushes failed without GC: ${baseline.firstFailure}`);
    const baseRate = baseline.images / baseline.seconds;
    log(`  pushes without GC: ${baseline.images} images in ${baseline.seconds.toFixed(1)} s = ${baseRate.toFixed(1)} images/s (${plan.pushers} pushers)`);

    const api = new GcApi(baseUrl, credentials);
    const gcStart = performance.now();
    const id = await api.start();
    // Pushes start once the run is Running: with a 0-minute grace window, a layer uploaded
    // before the sweep's cutoff but not yet referenced would (rightly) be collected.
    let status = (await api.run(id)).job_status;
    while (status === 'Pending') {
      await new Promise((r) => setTimeout(r, 20));
      status = (await api.run(id)).job_status;
    }
    let gcDone = finished(status);
    let gcSeconds = gcDone ? (performance.now() - gcStart) / 1000 : NaN;
    let last: GcRunJson | undefined;
    const watcher = (async () => {
      while (!gcDone) {
        await new Promise((r) => setTimeout(r, 100));
        last = await api.run(id);
        if (finished(last.job_status)) {
          gcSeconds = (performance.now() - gcStart) / 1000;
          gcDone = true;
        } else if (performance.now() - gcStart > plan.maxGcSeconds * 1000) {
          gcDone = true;
        }
      }
    })();
    const during: PushRun = gcDone ? { images: 0, seconds: 0, failures: 0 } : await pushUntil(pushClient, plan.pushers, 'gc-during', () => gcDone);
    await watcher;
    last ??= await api.run(id);
    if (!finished(last.job_status)) throw new Error(`GC ${id} still ${last.job_status} after ${plan.maxGcSeconds} s`);
    if (last.job_status !== 'Success') throw new Error(`GC ${id} ended ${last.job_status}: ${(await api.log(id)).trim().split('\n').slice(-3).join(' | ')}`);
    const attrs = JSON.parse(last.job_parameters) as { purged_blobs?: number; purged_manifests?: number; freed_space?: number };
    const duringRate = during.seconds > 0 ? during.images / during.seconds : NaN;
    const share = duringRate / baseRate;
    log(
      `  GC ${id}: ${gcSeconds.toFixed(2)} s, ${attrs.purged_blobs ?? 0} blobs / ${attrs.purged_manifests ?? 0} manifests / ${((attrs.freed_space ?? 0) / 1024 ** 2).toFixed(1)} MiB freed ` +
        `(expected ${garbageBlobs.length} blobs of ${(garbageBytes / 1024 ** 2).toFixed(1)} MiB and ${garbage.length} manifests); pushes during it: ${during.images} images in ${during.seconds.toFixed(1)} s = ${duringRate.toFixed(1)} images/s, ${(share * 100).toFixed(0)}% of ${baseRate.toFixed(1)}` +
        (during.failures ? `; ${during.failures} pushes FAILED (${during.firstFailure})` : ''),
    );
    const gcLog = (await api.log(id)).trim().split('\n');
    log(`  GC log (last lines): ${gcLog.slice(-2).join(' | ')}`);

    // Checks, untimed: the garbage is gone, what is kept still pulls.
    const checked = sample(garbageBlobs, plan.verifyBlobs);
    const stillThere: string[] = [];
    await pool(checked, plan.seedConcurrency, async (b) => {
      if ((await headStatus(seedClient, b.digest)) !== 404) stillThere.push(b.digest);
    });
    if (stillThere.length) throw new Error(`${stillThere.length}/${checked.length} garbage blobs still answer HEAD 200 after GC (e.g. ${stillThere[0]})`);
    const keptSample = sample(kept, plan.verifyImages);
    await pool(keptSample, plan.seedConcurrency, async (img) => {
      await seedClient.request('GET', `/v2/${REPO}/manifests/${img.tag}`, { headers: { accept: OCI_MANIFEST }, expect: [200] });
      for (const b of img.blobs) {
        const head = await seedClient.request('HEAD', `/v2/${REPO}/blobs/${b.digest}`, { expect: [200, 404] });
        if (head.status !== 200) throw new Error(`kept image ${img.tag}: blob ${b.digest} answers ${head.status} after GC`);
      }
    });
    log(
      `  checks: ${checked.length} garbage blobs answer 404 (${linkedBefore}/${probe.length} probed answered 200 before GC); ` +
        `${keptSample.length} kept images (${keptSample.length * plan.blobsPerImage} blobs) pull fine`,
    );

    const figures: GcFigures = {
      blobs: seeded.images.length * plan.blobsPerImage,
      images: seeded.images.length,
      garbageImages: garbage.length,
      garbageBlobs: garbageBlobs.length,
      garbageBytes,
      seedSeconds: seeded.seconds,
      seedRequests: seeded.requests,
      gcSeconds,
      gcStatus: last.job_status,
      purgedBlobs: attrs.purged_blobs ?? 0,
      purgedManifests: attrs.purged_manifests ?? 0,
      freedBytes: attrs.freed_space ?? 0,
      baseline: baseRate,
      during: duringRate,
      duringImages: during.images,
      duringSeconds: during.seconds,
      failedPushes: during.failures,
    };
    return {
      value: share * 100,
      seconds: gcSeconds,
      requests: (baseline.images + during.images) * 7,
      detail: `GC ${gcSeconds.toFixed(2)} s; pushes ${duringRate.toFixed(1)} images/s during GC vs ${baseRate.toFixed(1)} without`,
      gc: figures,
    };
  } finally {
    seedClient.close();
    pushClient.close();
  }
}
