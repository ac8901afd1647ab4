/**
 * The listing workload (Berth only: distribution has no artifact API): one repository with
 * many artifacts and five times as many tags, seeded through `PUT /v2/…/manifests/<tag>` as
 * CI pipelines would, then the Harbor listing endpoints timed one request at a time.
 *
 * Harbor times out listing a repository of this size (goharbor/harbor#18598); the target is
 * a p50 under 50 ms for the first page and for a deep one.
 */
import { performance } from 'node:perf_hooks';
import type { RegistryClient } from './client.js';
import { sha256Digest } from './data.js';
import { manifestFor, pool, type Measured } from './workloads.js';

export interface ListingPlan {
  artifacts: number;
  tagsPerArtifact: number;
  /** Manifest PUTs in flight while seeding. */
  seedConcurrency: number;
  /** Untimed requests per endpoint before the timed ones. */
  warmUp: number;
  /** Timed requests per endpoint, one at a time. */
  requests: number;
  pageSize: number;
}

/** p50 target from the issue, per endpoint. */
export const LISTING_TARGET_MS = 50;

export interface EndpointLatency {
  label: string;
  path: string;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface SeedResult {
  artifacts: number;
  tags: number;
  seconds: number;
  puts: number;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** One config and one layer shared by every artifact: the listing, not the blob store, is under test. */
function sharedBlobs(): { config: Buffer; layer: Buffer } {
  const layer = Buffer.from('berth bench listing layer\n');
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['BENCH=listing'] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
    }),
  );
  return { config, layer };
}

/** Distinct per artifact through an annotation, as a build's revision label would be. */
function listingManifest(index: number, config: Buffer, layer: Buffer): Buffer {
  return manifestFor(config, layer, { 'org.opencontainers.image.revision': `bench-listing-${index}` });
}

/** Zero-padded so that the tag order of /tags/list is the push order. */
export const tagName = (artifact: number, tag: number): string => `v${String(artifact).padStart(6, '0')}-${tag}`;

async function pushBlobOnce(c: RegistryClient, data: Buffer): Promise<void> {
  const digest = sha256Digest(data);
  const head = await c.request('HEAD', `/v2/${c.repository}/blobs/${digest}`, { expect: [200, 404] });
  if (head.status === 200) return;
  const started = await c.request('POST', `/v2/${c.repository}/blobs/uploads/`, { expect: [202] });
  const location = new URL(String(started.headers.location), c.base);
  location.searchParams.set('digest', digest);
  await c.request('PUT', location.href, { headers: { 'content-type': 'application/octet-stream' }, body: data, expect: [201] });
}

/**
 * Each worker pushes one artifact by its first tag, then tags it four more times by PUTting
 * the same manifest, as `docker push` of several tags does. Progress every 10%.
 */
export async function seedListing(c: RegistryClient, plan: ListingPlan, log: (line: string) => void): Promise<SeedResult> {
  const { config, layer } = sharedBlobs();
  await pushBlobOnce(c, config);
  await pushBlobOnce(c, layer);
  const indexes = Array.from({ length: plan.artifacts }, (_, i) => i);
  const step = Math.max(1, Math.floor(plan.artifacts / 10));
  let done = 0;
  let puts = 0;
  const t0 = performance.now();
  await pool(indexes, plan.seedConcurrency, async (i) => {
    const body = listingManifest(i, config, layer);
    for (let t = 0; t < plan.tagsPerArtifact; t++) {
      await c.request('PUT', `/v2/${c.repository}/manifests/${tagName(i, t)}`, { headers: { 'content-type': OCI_MANIFEST }, body, expect: [201] });
      puts++;
    }
    if (++done % step === 0 || done === plan.artifacts) {
      const s = (performance.now() - t0) / 1000;
      log(`  seeding: ${done}/${plan.artifacts} artifacts, ${puts} tags, ${s.toFixed(1)} s, ${(puts / s).toFixed(0)} PUT/s`);
    }
  });
  return { artifacts: plan.artifacts, tags: puts, seconds: (performance.now() - t0) / 1000, puts };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Endpoint {
  label: string;
  path: string;
  /** /api/v2.0 takes Basic (verified once, then remembered by the server); /v2/ takes the token. */
  api: boolean;
  /** Checks one answer, untimed, so a fast wrong answer cannot pass. */
  check: (status: number, headers: Record<string, string | string[] | undefined>, body: string) => string | undefined;
}

function listingEndpoints(c: RegistryClient, plan: ListingPlan): Endpoint[] {
  const [project, ...rest] = c.repository.split('/');
  const api = `/api/v2.0/projects/${project}/repositories/${encodeURIComponent(rest.join('/'))}`;
  const pages = Math.ceil(plan.artifacts / plan.pageSize);
  const deepPage = Math.max(2, Math.floor(pages * 0.9));
  const deepArtifact = Math.floor(plan.artifacts * 0.1);
  const { config, layer } = sharedBlobs();
  const deepDigest = sha256Digest(listingManifest(deepArtifact, config, layer));
  const deepLast = tagName(Math.floor(plan.artifacts * 0.9), 0);
  const total = plan.artifacts;
  const json = (body: string): unknown => JSON.parse(body);
  const artifactPage = (status: number, headers: Record<string, string | string[] | undefined>, body: string) => {
    if (status !== 200) return `status ${status}`;
    if (headers['x-total-count'] !== String(total)) return `X-Total-Count ${String(headers['x-total-count'])}, want ${total}`;
    const list = json(body) as Array<{ tags?: unknown[] }>;
    if (list.length !== plan.pageSize) return `${list.length} artifacts, want ${plan.pageSize}`;
    if (list.some((a) => a.tags?.length !== plan.tagsPerArtifact)) return `an artifact without its ${plan.tagsPerArtifact} tags`;
    return undefined;
  };
  return [
    {
      label: `artifacts page 1 of ${pages}, page_size ${plan.pageSize}, with_tag`,
      path: `${api}/artifacts?page=1&page_size=${plan.pageSize}&with_tag=true`,
      api: true,
      check: artifactPage,
    },
    {
      label: `artifacts page ${deepPage} of ${pages}, page_size ${plan.pageSize}, with_tag`,
      path: `${api}/artifacts?page=${deepPage}&page_size=${plan.pageSize}&with_tag=true`,
      api: true,
      check: artifactPage,
    },
    {
      label: `tags of one artifact, page 2, page_size 2`,
      path: `${api}/artifacts/${deepDigest}/tags?page=2&page_size=2`,
      api: true,
      check: (status, headers, body) => {
        if (status !== 200) return `status ${status}`;
        if (headers['x-total-count'] !== String(plan.tagsPerArtifact)) return `X-Total-Count ${String(headers['x-total-count'])}, want ${plan.tagsPerArtifact}`;
        const names = (json(body) as Array<{ name: string }>).map((t) => t.name);
        return names.length === 2 && names.every((n) => n.startsWith(tagName(deepArtifact, 0).slice(0, -1))) ? undefined : `tags ${names.join(',')}`;
      },
    },
    {
      label: `/v2/…/tags/list?n=100&last= at 90% of ${plan.artifacts * plan.tagsPerArtifact} tags`,
      path: `/v2/${c.repository}/tags/list?n=100&last=${deepLast}`,
      api: false,
      check: (status, _headers, body) => {
        if (status !== 200) return `status ${status}`;
        const tags = (json(body) as { tags: string[] }).tags;
        return tags.length === 100 && tags[0] === tagName(Math.floor(plan.artifacts * 0.9), 1) ? undefined : `${tags.length} tags from ${tags[0]}`;
      },
    },
  ];
}

/** Each endpoint: warm-up, one checked answer, then `requests` sequential timed GETs. */
export async function listingLatencies(c: RegistryClient, basicAuth: string, plan: ListingPlan): Promise<Measured> {
  const endpoints: EndpointLatency[] = [];
  let requests = 0;
  const t0 = performance.now();
  for (const e of listingEndpoints(c, plan)) {
    const get = (collect: boolean) => (e.api ? c.raw('GET', e.path, { expect: [200], collect }, basicAuth) : c.request('GET', e.path, { expect: [200], collect }));
    const probe = await get(true);
    const wrong = e.check(probe.status, probe.headers, probe.body.toString('utf8'));
    if (wrong) throw new Error(`GET ${e.path}: ${wrong}`);
    for (let i = 0; i < plan.warmUp; i++) await get(false);
    const latencies = new Float64Array(plan.requests);
    for (let i = 0; i < plan.requests; i++) {
      const start = performance.now();
      await get(false);
      latencies[i] = performance.now() - start;
    }
    latencies.sort();
    requests += plan.requests;
    endpoints.push({
      label: e.label,
      path: e.path,
      requests: plan.requests,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const worst = endpoints.reduce((m, e) => Math.max(m, e.p50Ms), 0);
  // The figure of merit is the worst endpoint's p50: every one must meet the target.
  return { value: worst, seconds, requests, p50Ms: worst, p99Ms: endpoints.reduce((m, e) => Math.max(m, e.p99Ms), 0), endpoints };
}

/** How many artifacts share the planted config, and how many clients list them at once. */
export const PLANTED = { artifacts: 100, concurrency: 8, rounds: 10 } as const;

/**
 * What a client may plant to make listings expensive: artifacts sharing one 4 MB config,
 * most of it in `config`, which listings show as `extra_attrs`. Listings must cost what the
 * database keeps of it (bounded), not the config.
 */
export async function seedPlanted(c: RegistryClient): Promise<void> {
  const labels = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`label-${i}`, 'x'.repeat(4000)]));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: labels } }));
  await pushBlobOnce(c, config);
  await pool(
    Array.from({ length: PLANTED.artifacts }, (_, i) => i),
    8,
    async (i) => {
      const layer = Buffer.from(`berth bench planted layer ${i}\n`);
      await pushBlobOnce(c, layer);
      await c.request('PUT', `/v2/${c.repository}/manifests/p${i}`, { headers: { 'content-type': OCI_MANIFEST }, body: manifestFor(config, layer), expect: [201] });
    },
  );
}

/** Rounds of {@link PLANTED}.concurrency listings of every planted artifact at once; one latency per round. */
export async function plantedListings(c: RegistryClient, basicAuth: string): Promise<EndpointLatency> {
  const [project, ...rest] = c.repository.split('/');
  const path = `/api/v2.0/projects/${project}/repositories/${encodeURIComponent(rest.join('/'))}/artifacts?page_size=${PLANTED.artifacts}&with_tag=true`;
  const probe = await c.raw('GET', path, { expect: [200], collect: true }, basicAuth);
  const rows = JSON.parse(probe.body.toString('utf8')) as unknown[];
  if (rows.length !== PLANTED.artifacts) throw new Error(`GET ${path}: ${rows.length} artifacts, want ${PLANTED.artifacts}`);
  const latencies = new Float64Array(PLANTED.rounds);
  for (let round = 0; round < PLANTED.rounds; round++) {
    const start = performance.now();
    await Promise.all(Array.from({ length: PLANTED.concurrency }, () => c.raw('GET', path, { expect: [200], collect: false }, basicAuth)));
    latencies[round] = performance.now() - start;
  }
  latencies.sort();
  return {
    label: `${PLANTED.concurrency} listings at once of ${PLANTED.artifacts} artifacts sharing a 4 MB config (per round)`,
    path,
    requests: PLANTED.rounds * PLANTED.concurrency,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
  };
}
