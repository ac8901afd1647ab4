/**
 * The classic chart repository's index (Berth only: distribution has no Helm repository): a
 * project seeded with many chart versions uploaded the way the ChartMuseum push plugin uploads
 * them, then `GET /chartrepo/{project}/index.yaml` with Basic credentials as Helm's repository
 * client sends it: the first build, the cached index, and a rebuild after each new upload.
 *
 * Harbor's ChartMuseum rebuilt its index from storage; Berth's comes from the database and is
 * kept per project until a chart of the project changes.
 */
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { parse as parseYaml } from 'yaml';
import type { RegistryClient } from './client.js';
import type { EndpointLatency } from './listing.js';
import { pool, type Measured } from './workloads.js';

export interface ChartIndexPlan {
  /** Chart versions in the project, over `charts` chart names. */
  versions: number;
  charts: number;
  seedConcurrency: number;
  warmUp: number;
  requests: number;
  /** Uploads of one more version, each followed by a timed GET (a rebuild). */
  rebuilds: number;
}

export interface ChartSeed {
  versions: number;
  seconds: number;
}

export const CHART_PROJECT = 'bench-charts';

/** A packaged chart as `helm package` writes it, small: the index, not the blob store, is under test. */
async function chartArchive(name: string, version: string): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  const chartYaml = [
    'apiVersion: v2',
    `name: ${name}`,
    `description: Benchmark chart ${name}`,
    'type: application',
    `version: ${version}`,
    'appVersion: "1.0.0"',
    'keywords: [bench]',
    'maintainers:',
    '  - name: bench',
    '',
  ].join('\n');
  archive.entry({ name: `${name}/Chart.yaml` }, chartYaml);
  archive.entry({ name: `${name}/values.yaml` }, 'replicaCount: 1\n');
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function upload(baseUrl: string, auth: string, name: string, version: string): Promise<void> {
  const form = new FormData();
  form.append('chart', new Blob([new Uint8Array(await chartArchive(name, version))]), `${name}-${version}.tgz`);
  const res = await fetch(`${baseUrl}/api/chartrepo/${CHART_PROJECT}/charts`, { method: 'POST', headers: { authorization: auth }, body: form });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 409) throw new Error(`upload ${name}-${version}: ${res.status} ${text}`);
}

/** The project and `plan.versions` chart versions in it (a version already there is kept). */
export async function seedCharts(baseUrl: string, auth: string, plan: ChartIndexPlan, log: (line: string) => void): Promise<ChartSeed> {
  const created = await fetch(`${baseUrl}/api/v2.0/projects`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ project_name: CHART_PROJECT, metadata: { public: 'false' } }),
  });
  if (created.status !== 201 && created.status !== 409) throw new Error(`create project: ${created.status} ${await created.text()}`);
  const perChart = Math.ceil(plan.versions / plan.charts);
  const t0 = performance.now();
  let done = 0;
  await pool(
    Array.from({ length: plan.versions }, (_, i) => i),
    plan.seedConcurrency,
    async (i) => {
      await upload(baseUrl, auth, `chart-${Math.floor(i / perChart)}`, `1.${i % perChart}.0`);
      if (++done % 1000 === 0) log(`  seeding: ${done}/${plan.versions} chart versions, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
  );
  return { versions: plan.versions, seconds: (performance.now() - t0) / 1000 };
}

/** Cold build, cached index and rebuilds after an upload, one request at a time; the figure is the cached p50. */
export async function chartIndexLatencies(c: RegistryClient, baseUrl: string, auth: string, plan: ChartIndexPlan): Promise<Measured> {
  const path = `/chartrepo/${CHART_PROJECT}/index.yaml`;
  const get = async () => {
    const start = performance.now();
    await c.raw('GET', path, { expect: [200], collect: false }, auth);
    return performance.now() - start;
  };
  const t0 = performance.now();
  // The first GET after seeding: the index is built (every upload changed it).
  const cold = await get();
  // What Helm reads must be a valid index holding every version.
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: auth } });
  const text = await res.text();
  const index = parseYaml(text, { maxAliasCount: -1 }) as { apiVersion?: string; generated?: string; entries?: Record<string, unknown[]> };
  const listed = Object.values(index.entries ?? {}).reduce((n, list) => n + list.length, 0);
  if (index.apiVersion !== 'v1' || !index.generated || listed < plan.versions) {
    throw new Error(`index.yaml: apiVersion ${index.apiVersion}, ${listed} versions listed, ${plan.versions} expected`);
  }
  for (let i = 0; i < plan.warmUp; i++) await get();
  const cached = new Float64Array(plan.requests);
  for (let i = 0; i < plan.requests; i++) cached[i] = await get();
  const rebuilt = new Float64Array(plan.rebuilds);
  const stamp = Date.now();
  for (let i = 0; i < plan.rebuilds; i++) {
    await upload(baseUrl, auth, 'chart-rebuild', `2.${stamp}.${i}`);
    rebuilt[i] = await get();
  }
  cached.sort();
  rebuilt.sort();
  const endpoints: EndpointLatency[] = [
    {
      label: `index.yaml, first build (${listed} versions, ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MiB)`,
      path,
      requests: 1,
      p50Ms: cold,
      p95Ms: cold,
      p99Ms: cold,
    },
    latency('index.yaml, cached', path, cached),
    latency('index.yaml, rebuilt after an upload', path, rebuilt),
  ];
  const requests = 2 + plan.warmUp + plan.requests + 2 * plan.rebuilds;
  return {
    value: percentile(cached, 50),
    seconds: (performance.now() - t0) / 1000,
    requests,
    bytes: Buffer.byteLength(text),
    p50Ms: percentile(cached, 50),
    p99Ms: percentile(cached, 99),
    endpoints,
  };
}

function latency(label: string, path: string, sorted: Float64Array): EndpointLatency {
  return { label, path, requests: sorted.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99) };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
