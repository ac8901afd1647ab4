/**
 * Proxy-cache hits against local pulls: one Berth holds the same image twice, pushed into an
 * ordinary project and cached by a proxy-cache project from a CNCF distribution upstream (one
 * pull warms it, and the image is then an artifact of the proxy project). Each pull is what a
 * client does: GET the manifest by tag, then GET its config and layers; `concurrency` connections
 * pull for `seconds`, local and proxy alternating, the order swapped each round.
 */
import { performance } from 'node:perf_hooks';
import { api, createdId, type Credentials } from './api.js';
import { RegistryClient } from './client.js';
import { blobBytes, sha256Digest } from './data.js';
import { FastGetter } from './fastget.js';
import { cpuSeconds, sleep, startDistribution, type Placement, type Server } from './servers.js';
import { manifestGet, pushSmallBlob } from './workloads.js';

export interface ProxyPlan {
  concurrency: number;
  seconds: number;
  maxPulls: number;
  rounds: number;
  layerSizes: number[];
}

/** One mode's figures in one round (ms, and pulls per second). */
export interface PullFigures {
  pullsPerSecond: number;
  pulls: number;
  pullP50: number;
  pullP95: number;
  manifestP50: number;
  manifestP95: number;
  blobP50: number;
  blobP95: number;
  /** Berth's CPU per pull (ms): unlike latency, barely moved by other load on the shared cores. */
  serverCpuMsPerPull: number;
}

/** Manifest GETs by tag alone (the part of a hit that differs most from a local pull). */
export interface ManifestFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  serverCpuMsPerRequest: number;
}

export interface ProxyFigures {
  bytesPerPull: number;
  blobsPerPull: number;
  tagFreshnessSeconds: number;
  rounds: Array<{ first: 'local' | 'proxy'; local: PullFigures; proxy: PullFigures; manifests: Record<'local' | 'proxy', ManifestFigures> }>;
}

export const PROXY_PROJECT = 'bench-proxy-hub';
const LOCAL_PROJECT = 'bench-proxy-local';
/** The repository under each project (the proxy project's is `team/app` upstream). */
const REPOSITORY = 'team/app';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ACCEPT = [OCI_MANIFEST, 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

interface Image {
  manifest: Buffer;
  blobs: Array<{ data: Buffer; digest: string }>;
}

function image(plan: ProxyPlan): Image {
  const layers = plan.layerSizes.map((size, i) => {
    const data = blobBytes({ seed: `proxy-layer-${i}`, size });
    return { data, digest: sha256Digest(data) };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['BENCH=proxy'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.data.length })),
    }),
  );
  return { manifest, blobs: [{ data: config, digest: sha256Digest(config) }, ...layers] };
}

async function push(c: RegistryClient, img: Image): Promise<void> {
  await c.login();
  for (const blob of img.blobs) await pushSmallBlob(c, blob.data, blob.digest);
  await c.request('PUT', `/v2/${c.repository}/manifests/latest`, { headers: { 'content-type': OCI_MANIFEST }, body: img.manifest, expect: [201] });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Pulls (manifest by tag, then each blob, bodies counted) on `concurrency` connections for `seconds`. */
async function pulls(c: RegistryClient, img: Image, plan: ProxyPlan, serverPid: number): Promise<PullFigures> {
  const cpu0 = cpuSeconds(serverPid);
  const manifestPath = `/v2/${c.repository}/manifests/latest`;
  const pullMs = new Float64Array(plan.maxPulls);
  const manifestMs = new Float64Array(plan.maxPulls);
  const blobMs = new Float64Array(plan.maxPulls * img.blobs.length);
  let started = 0;
  let done = 0;
  let blobsDone = 0;
  const t0 = performance.now();
  const deadline = t0 + plan.seconds * 1000;
  const get = async (conn: FastGetter, path: string, headers: Record<string, string>, want: number): Promise<void> => {
    const auth = await c.authorizationHeader();
    let reply = await conn.get(path, { ...headers, ...(auth ? { authorization: auth } : {}) });
    if (reply.status === 401) {
      const fresh = await c.authorizationHeader(true);
      reply = await conn.get(path, { ...headers, ...(fresh ? { authorization: fresh } : {}) });
    }
    if (reply.status !== 200 || reply.bytes !== want)
      throw new Error(`GET ${path} → ${reply.status} with ${reply.bytes} bytes, want 200 with ${want}${reply.errorBody ? `: ${reply.errorBody}` : ''}`);
  };
  const worker = async (): Promise<void> => {
    const conn = new FastGetter(new URL(manifestPath, c.base));
    try {
      while (started < plan.maxPulls && performance.now() < deadline) {
        started++;
        const start = performance.now();
        await get(conn, manifestPath, { accept: ACCEPT }, img.manifest.length);
        const afterManifest = performance.now();
        for (const blob of img.blobs) {
          const blobStart = performance.now();
          await get(conn, `/v2/${c.repository}/blobs/${blob.digest}`, {}, blob.data.length);
          blobMs[blobsDone++] = performance.now() - blobStart;
        }
        manifestMs[done] = afterManifest - start;
        pullMs[done++] = performance.now() - start;
      }
    } finally {
      conn.close();
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const serverCpuMsPerPull = ((cpuSeconds(serverPid) - cpu0) * 1000) / Math.max(done, 1);
  const pull = pullMs.subarray(0, done).sort();
  const manifest = manifestMs.subarray(0, done).sort();
  const blob = blobMs.subarray(0, blobsDone).sort();
  return {
    pullsPerSecond: done / elapsed,
    pulls: done,
    pullP50: percentile(pull, 50),
    pullP95: percentile(pull, 95),
    manifestP50: percentile(manifest, 50),
    manifestP95: percentile(manifest, 95),
    blobP50: percentile(blob, 50),
    blobP95: percentile(blob, 95),
    serverCpuMsPerPull,
  };
}

/** Waits until the proxy project lists the cached image as an artifact (all its blobs stored). */
async function untilCached(berth: Server, creds: Credentials): Promise<void> {
  const path = `/projects/${PROXY_PROJECT}/repositories/${encodeURIComponent(encodeURIComponent(REPOSITORY))}/artifacts/latest`;
  for (let i = 0; i < 200; i++) {
    try {
      await api(berth.baseUrl, creds, 'GET', path);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`the proxy cache did not store ${PROXY_PROJECT}/${REPOSITORY}:latest within 10 s of the first pull`);
}

const describePull = (f: PullFigures): string =>
  `${f.pullsPerSecond.toFixed(0)} pulls/s, pull p50 ${f.pullP50.toFixed(2)} / p95 ${f.pullP95.toFixed(2)} ms (manifest p50 ${f.manifestP50.toFixed(2)}, blob p50 ${f.blobP50.toFixed(2)} ms; Berth CPU ${f.serverCpuMsPerPull.toFixed(2)} ms/pull)`;

const describeManifests = (m: ManifestFigures): string =>
  `${m.requestsPerSecond.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, Berth CPU ${(m.serverCpuMsPerRequest * 1000).toFixed(0)} µs/req`;

export async function proxyHits(
  berth: Server,
  creds: Credentials,
  plan: ProxyPlan,
  placement: Placement,
  tagFreshnessSeconds: number,
  log: (line: string) => void,
): Promise<ProxyFigures> {
  const img = image(plan);
  const upstream = await startDistribution(placement, false);
  const clients: RegistryClient[] = [];
  const make = (baseUrl: string, repository: string): RegistryClient => {
    const c = new RegistryClient({ baseUrl, ...creds, repository, maxSockets: plan.concurrency });
    clients.push(c);
    return c;
  };
  try {
    await push(make(upstream.baseUrl, REPOSITORY), img);
    await api(berth.baseUrl, creds, 'POST', '/projects', { project_name: LOCAL_PROJECT });
    await push(make(berth.baseUrl, `${LOCAL_PROJECT}/${REPOSITORY}`), img);
    const registry = createdId(await api(berth.baseUrl, creds, 'POST', '/registries', { name: 'bench-upstream', type: 'docker-registry', url: upstream.baseUrl }));
    await api(berth.baseUrl, creds, 'POST', '/projects', { project_name: PROXY_PROJECT, registry_id: registry });
    const local = make(berth.baseUrl, `${LOCAL_PROJECT}/${REPOSITORY}`);
    const proxy = make(berth.baseUrl, `${PROXY_PROJECT}/${REPOSITORY}`);
    await Promise.all([local.login(), proxy.login()]);
    // The first pull goes upstream and stores what it serves; a second, once stored, is the first hit.
    const warm = { ...plan, concurrency: 1, maxPulls: 1, seconds: 60 };
    await pulls(proxy, img, warm, berth.pid);
    await untilCached(berth, creds);
    await pulls(proxy, img, warm, berth.pid);
    await pulls(local, img, warm, berth.pid);
    // A second of each untimed, so the first timed phase does not pay for JIT warm-up and lazy caches.
    for (const c of [local, proxy]) await pulls(c, img, { ...plan, seconds: 1 }, berth.pid);
    const rounds: ProxyFigures['rounds'] = [];
    for (let round = 0; round < plan.rounds; round++) {
      const first: 'local' | 'proxy' = round % 2 === 0 ? 'local' : 'proxy';
      const figures: Partial<Record<'local' | 'proxy', PullFigures>> = {};
      const manifests: Partial<Record<'local' | 'proxy', ManifestFigures>> = {};
      const order = first === 'local' ? (['local', 'proxy'] as const) : (['proxy', 'local'] as const);
      for (const mode of order) figures[mode] = await pulls(mode === 'local' ? local : proxy, img, plan, berth.pid);
      for (const mode of order) {
        const cpu0 = cpuSeconds(berth.pid);
        const m = await manifestGet(mode === 'local' ? local : proxy, 'latest', plan.concurrency, plan.seconds / 2, plan.maxPulls);
        const serverCpuMsPerRequest = ((cpuSeconds(berth.pid) - cpu0) * 1000) / Math.max(m.requests, 1);
        manifests[mode] = { requestsPerSecond: m.value, p50: m.p50Ms ?? NaN, p99: m.p99Ms ?? NaN, serverCpuMsPerRequest };
      }
      const done = {
        first,
        local: figures.local as PullFigures,
        proxy: figures.proxy as PullFigures,
        manifests: manifests as Record<'local' | 'proxy', ManifestFigures>,
      };
      rounds.push(done);
      log(
        `  round ${round + 1} (${first} first): local ${describePull(done.local)}; proxy ${describePull(done.proxy)}; proxy/local p50 ${(done.proxy.pullP50 / done.local.pullP50).toFixed(2)}×; manifest GETs alone: local ${describeManifests(done.manifests.local)}, proxy ${describeManifests(done.manifests.proxy)}`,
      );
    }
    return {
      bytesPerPull: img.manifest.length + img.blobs.reduce((n, b) => n + b.data.length, 0),
      blobsPerPull: img.blobs.length,
      tagFreshnessSeconds,
      rounds,
    };
  } finally {
    for (const c of clients) c.close();
    await upstream.stop();
  }
}
