/**
 * The workloads. Each takes a logged-in client and returns what it measured; none of them
 * times its setup (digests, login, seeding a manifest), only the traffic it reports.
 */
import { performance } from 'node:perf_hooks';
import { header, withQuery, type RegistryClient } from './client.js';
import { FastGetter } from './fastget.js';
import { blobBytes, blobDigest, blobStream, sha256Digest, KiB, MiB, type BlobSpec } from './data.js';
import type { EndpointLatency, SeedResult } from './listing.js';
import type { GcFigures } from './gc.js';
import type { PageTiming, PortalSeed } from './portal.js';
import type { VulnDbFigures } from './vulndb.js';
import type { ScanFigures } from './scan.js';
import type { ReplicateFigures } from './replicate.js';
import type { ProxyFigures } from './proxy.js';
import type { RedirectFigures } from './redirect.js';
import type { ScaleFigures } from './scale.js';

export interface Measured {
  /** The figure of merit, in the workload's unit. */
  value: number;
  seconds: number;
  requests: number;
  bytes?: number;
  p50Ms?: number;
  p99Ms?: number;
  detail?: string;
  /** Per-endpoint latencies, for a workload that times several endpoints (listing). */
  endpoints?: EndpointLatency[];
  /** Untimed setup that is itself a figure to report (listing's seeding). */
  seed?: SeedResult;
  /** The gc workload's figures (GC time, what it freed, push throughput with and without it). */
  gc?: GcFigures;
  /** The portal workload's page timings, and its seeding (untimed, reported apart). */
  pages?: PageTiming[];
  portalSeed?: PortalSeed;
  /** The vulndb workload's imports, per database. */
  vulndb?: VulnDbFigures;
  /** The scan workload's timings per image, against zcat of its layers. */
  scan?: ScanFigures;
  /** The replicate workload's rounds: Berth's replication against skopeo sync. */
  replicate?: ReplicateFigures;
  /** The proxy workload's rounds: proxy-cache hits against pulls from an ordinary project. */
  proxy?: ProxyFigures;
  /** The redirect workload's rounds: blob pulls through Berth against redirected to S3. */
  redirect?: RedirectFigures;
  /** The scale workload's figures: filesystem against S3, 1 against 2 instances, requests per operation. */
  scale?: ScaleFigures;
}

/** Runs `fn` over `items` with at most `concurrency` in flight; the first failure stops it. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await fn(items[index] as T, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export function blobSpecs(prefix: string, count: number, size: number): BlobSpec[] {
  return Array.from({ length: count }, (_, i) => ({ seed: `${prefix}-${size}-${i}`, size }));
}

/** The digests are computed before the clock starts: the upload has to declare them. */
export async function digests(specs: readonly BlobSpec[]): Promise<string[]> {
  const out: string[] = [];
  for (const spec of specs) out.push(await blobDigest(spec));
  return out;
}

const auth = (value: string | undefined): Record<string, string> => (value ? { authorization: value } : {});

const uploadsPath = (c: RegistryClient): string => `/v2/${c.repository}/blobs/uploads/`;

/** Monolithic push: POST → 202 Location, then one PUT ?digest= with the whole body streamed. */
export async function pushBlob(c: RegistryClient, spec: BlobSpec, digest: string): Promise<void> {
  const started = await c.request('POST', uploadsPath(c), { expect: [202] });
  const url = withQuery(header(started, 'location'), c.base, { digest });
  await c.request('PUT', url, {
    headers: { 'content-type': 'application/octet-stream' },
    body: { length: spec.size, open: () => blobStream(spec) },
    expect: [201],
  });
}

/** Same, with a small in-memory body (configs, small layers). */
export async function pushSmallBlob(c: RegistryClient, data: Buffer, digest: string): Promise<void> {
  const started = await c.request('POST', uploadsPath(c), { expect: [202] });
  const url = withQuery(header(started, 'location'), c.base, { digest });
  await c.request('PUT', url, { headers: { 'content-type': 'application/octet-stream' }, body: data, expect: [201] });
}

export async function blobPush(c: RegistryClient, specs: readonly BlobSpec[], concurrency: number): Promise<Measured> {
  const ds = await digests(specs);
  const t0 = performance.now();
  await pool(specs, concurrency, (spec, i) => pushBlob(c, spec, ds[i] as string));
  const seconds = (performance.now() - t0) / 1000;
  const bytes = specs.reduce((n, s) => n + s.size, 0);
  return { value: bytes / MiB / seconds, seconds, bytes, requests: specs.length * 2 };
}

/**
 * GET each blob on the lean client (fastget.ts), counted and discarded: hashing 512 MiB in
 * the client would take CPU from the server on a 2-core machine. One blob is then fetched
 * again through node:http and hashed, outside the timing, to prove the bytes are right.
 */
export async function blobPull(c: RegistryClient, specs: readonly BlobSpec[], concurrency: number, rounds = 1): Promise<Measured> {
  const ds = await digests(specs);
  const total = specs.length * rounds;
  const conns = Array.from({ length: Math.min(concurrency, total) }, () => new FastGetter(c.base));
  const t0 = performance.now();
  let bytes = 0;
  try {
    let next = 0;
    await Promise.all(
      conns.map(async (conn) => {
        while (next < total) {
          const i = next++ % specs.length;
          const path = `/v2/${c.repository}/blobs/${ds[i]}`;
          let reply = await conn.get(path, auth(await c.authorizationHeader()));
          if (reply.status === 401) reply = await conn.get(path, auth(await c.authorizationHeader(true)));
          const size = (specs[i] as BlobSpec).size;
          if (reply.status !== 200 || reply.bytes !== size)
            throw new Error(`GET ${path} → ${reply.status} with ${reply.bytes} bytes, want 200 with ${size}${reply.errorBody ? `: ${reply.errorBody}` : ''}`);
          bytes += reply.bytes;
        }
      }),
    );
  } finally {
    for (const conn of conns) conn.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const check = await c.request('GET', `/v2/${c.repository}/blobs/${ds[0]}`, { expect: [200], hash: true });
  if (check.sha256 !== ds[0]) throw new Error(`GET blob ${ds[0]}: content hashes to ${check.sha256}`);
  return { value: bytes / MiB / seconds, seconds, bytes, requests: total };
}

/** Chunked push: POST, then PATCH chunks with Content-Range start-end (inclusive), then PUT. */
export async function chunkedPush(c: RegistryClient, specs: readonly BlobSpec[], chunkSize: number, concurrency: number): Promise<Measured> {
  const ds = await digests(specs);
  let requests = 0;
  const t0 = performance.now();
  await pool(specs, concurrency, async (spec, i) => {
    let location = header(await c.request('POST', uploadsPath(c), { expect: [202] }), 'location');
    requests++;
    for (let start = 0; start < spec.size; start += chunkSize) {
      const end = Math.min(start + chunkSize, spec.size);
      const reply = await c.request('PATCH', withQuery(location, c.base, {}), {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
        body: { length: end - start, open: () => blobStream(spec, start, end) },
        expect: [202],
      });
      requests++;
      // The next request must go to the Location just returned (distribution rotates _state).
      location = header(reply, 'location');
    }
    await c.request('PUT', withQuery(location, c.base, { digest: ds[i] as string }), { expect: [201] });
    requests++;
  });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = specs.reduce((n, s) => n + s.size, 0);
  return { value: bytes / MiB / seconds, seconds, bytes, requests };
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ACCEPT = [
  OCI_MANIFEST,
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** A small but valid OCI image: config JSON naming the layer as its one diff_id. */
export function imageParts(seed: string, layerSize: number): { config: Buffer; layer: Buffer } {
  const layer = blobBytes({ seed: `${seed}-layer`, size: layerSize });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: [`BENCH_SEED=${seed}`] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
    }),
  );
  return { config, layer };
}

/** An image manifest of one config and one layer; annotations make otherwise equal manifests distinct. */
export function manifestFor(config: Buffer, layer: Buffer, annotations?: Record<string, string>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.length }],
      ...(annotations ? { annotations } : {}),
    }),
  );
}

/**
 * Pushes one image as `docker push` does: HEAD each blob (404 → upload it), then PUT the
 * manifest by tag. 7 requests for a new image.
 */
export async function pushImage(c: RegistryClient, seed: string, tag: string, layerSize = 64 * KiB): Promise<number> {
  const { config, layer } = imageParts(seed, layerSize);
  let requests = 0;
  for (const blob of [config, layer]) {
    const digest = sha256Digest(blob);
    const head = await c.request('HEAD', `/v2/${c.repository}/blobs/${digest}`, { expect: [200, 404] });
    requests++;
    if (head.status === 404) {
      await pushSmallBlob(c, blob, digest);
      requests += 2;
    }
  }
  const manifest = manifestFor(config, layer);
  const put = await c.request('PUT', `/v2/${c.repository}/manifests/${tag}`, {
    headers: { 'content-type': OCI_MANIFEST },
    body: manifest,
    expect: [201],
  });
  requests++;
  const echoed = put.headers['docker-content-digest'];
  if (typeof echoed === 'string' && echoed !== sha256Digest(manifest)) {
    throw new Error(`PUT manifest: Docker-Content-Digest ${echoed}, want ${sha256Digest(manifest)}`);
  }
  return requests;
}

export async function smallImages(c: RegistryClient, prefix: string, count: number, concurrency: number): Promise<Measured> {
  const seeds = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  let requests = 0;
  const t0 = performance.now();
  await pool(seeds, concurrency, async (seed, i) => {
    requests += await pushImage(c, seed, `${prefix}-${i}`);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { value: count / seconds, seconds, requests, detail: `${requests} requests` };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * GET one manifest by tag, `concurrency` connections each with one request in flight, until
 * `seconds` pass or `maxRequests` are sent. Uses the lean raw-socket client (see fastget.ts).
 */
export async function manifestGet(c: RegistryClient, tag: string, concurrency: number, seconds: number, maxRequests: number): Promise<Measured> {
  const path = `/v2/${c.repository}/manifests/${tag}`;
  const latencies = new Float64Array(maxRequests);
  let sent = 0;
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const worker = async (): Promise<void> => {
    const conn = new FastGetter(new URL(path, c.base));
    try {
      while (sent < maxRequests && performance.now() < deadline) {
        sent++;
        const start = performance.now();
        let reply = await conn.get(path, { accept: ACCEPT, ...auth(await c.authorizationHeader()) });
        if (reply.status === 401) reply = await conn.get(path, { accept: ACCEPT, ...auth(await c.authorizationHeader(true)) });
        if (reply.status !== 200) throw new Error(`GET ${path} → ${reply.status} ${reply.errorBody ?? ''}`);
        latencies[done++] = performance.now() - start;
      }
    } finally {
      conn.close();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = latencies.subarray(0, done).sort();
  return { value: done / elapsed, seconds: elapsed, requests: done, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}
