/**
 * The portal workload (Berth only): a project with many repositories and one repository with
 * many artifacts, seeded through the registry API (timed apart), then the portal's three list
 * pages loaded in Debian's Chromium. Each figure is the time from navigation to the first page
 * of rows being visible, the median of warm loads; the target is under one second.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import type { RegistryClient } from './client.js';
import { sha256Digest } from './data.js';
import { seedListing } from './listing.js';
import { manifestFor, pool, type Measured } from './workloads.js';

export interface PortalPlan {
  /** Repositories in the project. */
  repositories: number;
  /** Artifacts in its one big repository. */
  artifacts: number;
  seedConcurrency: number;
  /** Untimed loads of each page before the timed ones. */
  warmUp: number;
  /** Timed loads of each page; the median is reported. */
  loads: number;
}

export const PORTAL_TARGET_MS = 1000;
/** Debian's chromium, started as the portal's browser tests start it. */
const CHROMIUM = '/usr/bin/chromium';
export const PORTAL_PROJECT = 'bench-portal';
/** The repository holding the artifacts; it also holds the blobs the other repositories mount. */
const BIG_REPOSITORY = `${PORTAL_PROJECT}/artifacts`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface PageTiming {
  label: string;
  path: string;
  loads: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** The slowest API request of each timed load as the browser saw it (median): what one server answer adds, as the browser saw it. */
  apiMs: number;
  /** The API request that was slowest in most loads. */
  slowestApi: string;
}

export interface PortalSeed {
  repositories: number;
  artifacts: number;
  requests: number;
  seconds: number;
}

/** The same small image as every artifact's, so the repositories cost the listing, not the blob store. */
function repositoryBlobs(): { config: Buffer; layer: Buffer } {
  const layer = Buffer.from('berth bench portal layer\n');
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } }));
  return { config, layer };
}

const repositoryName = (i: number): string => `${PORTAL_PROJECT}/app-${String(i).padStart(5, '0')}`;

/**
 * The project, then its big repository (one tag per artifact, as the listing workload pushes
 * them), then one image per repository: both blobs mounted from the big repository, then the
 * manifest PUT by tag. `c` is a client for the big repository; `basic` authorizes the rest.
 */
export async function seedPortal(c: RegistryClient, basic: string, plan: PortalPlan, log: (line: string) => void): Promise<PortalSeed> {
  const t0 = performance.now();
  await c.raw(
    'POST',
    '/api/v2.0/projects',
    { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ project_name: PORTAL_PROJECT })), expect: [201] },
    basic,
  );
  const listing = await seedListing(
    c,
    { artifacts: plan.artifacts, tagsPerArtifact: 1, seedConcurrency: plan.seedConcurrency, warmUp: 0, requests: 0, pageSize: 10 },
    log,
  );
  let requests = listing.puts + 1;

  const { config, layer } = repositoryBlobs();
  for (const blob of [config, layer]) {
    await c.request('POST', `/v2/${BIG_REPOSITORY}/blobs/uploads/?digest=${sha256Digest(blob)}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: blob,
      expect: [201],
    });
  }
  const manifest = manifestFor(config, layer);
  const step = Math.max(1, Math.floor(plan.repositories / 10));
  let done = 0;
  const t1 = performance.now();
  await pool(
    Array.from({ length: plan.repositories }, (_, i) => i),
    plan.seedConcurrency,
    async (i) => {
      const name = repositoryName(i);
      for (const blob of [config, layer]) {
        await c.raw('POST', `/v2/${name}/blobs/uploads/?mount=${sha256Digest(blob)}&from=${BIG_REPOSITORY}`, { expect: [201] }, basic);
      }
      await c.raw('PUT', `/v2/${name}/manifests/latest`, { headers: { 'content-type': OCI_MANIFEST }, body: manifest, expect: [201] }, basic);
      requests += 3;
      if (++done % step === 0 || done === plan.repositories) {
        const s = (performance.now() - t1) / 1000;
        log(`  seeding: ${done}/${plan.repositories} repositories, ${s.toFixed(1)} s, ${((done * 3) / s).toFixed(0)} req/s`);
      }
    },
  );
  return { repositories: plan.repositories, artifacts: plan.artifacts, requests, seconds: (performance.now() - t0) / 1000 };
}

interface PortalPageSpec {
  label: string;
  path: string;
  /** The table whose first row is awaited, and the total its pager must show. */
  table: string;
  total: number;
}

/** Signs in, finds the project's id, and times each page's warm loads one after another. */
export async function portalTimings(
  baseUrl: string,
  credentials: { username: string; password: string },
  plan: PortalPlan,
  log: (line: string) => void,
): Promise<Measured> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'web', 'index.html'))) throw new Error('the portal is not built: npm run build');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(60_000);
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel('Username or email').fill(credentials.username);
    await page.getByLabel('Password').fill(credentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/projects/);
    const project = (await (await page.request.get(`${baseUrl}/api/v2.0/projects/${PORTAL_PROJECT}`)).json()) as { project_id: number };
    const projects = Number((await page.request.get(`${baseUrl}/api/v2.0/projects?page_size=1`)).headers()['x-total-count']);
    const specs: PortalPageSpec[] = [
      { label: `projects page (${projects} projects)`, path: '/projects', table: '.ant-table-wrapper', total: projects },
      {
        label: `repositories of a project with ${plan.repositories + 1} repositories`,
        path: `/projects/${project.project_id}/repositories`,
        table: '.ant-table-wrapper',
        total: plan.repositories + 1,
      },
      {
        label: `artifacts of a repository with ${plan.artifacts} artifacts`,
        path: `/projects/${project.project_id}/repositories/artifacts`,
        table: '.ant-table-wrapper:has([data-testid=artifacts])',
        total: plan.artifacts,
      },
    ];
    const pages: PageTiming[] = [];
    const t0 = performance.now();
    for (const spec of specs) {
      const timing = await timePage(page, baseUrl, spec, plan);
      log(
        `  ${timing.label}: median ${timing.medianMs.toFixed(0)} ms (${timing.minMs.toFixed(0)}–${timing.maxMs.toFixed(0)}); slowest API request ${timing.apiMs.toFixed(0)} ms (${timing.slowestApi})`,
      );
      pages.push(timing);
    }
    const slowest = pages.reduce((m, p) => Math.max(m, p.medianMs), 0);
    return { value: slowest, seconds: (performance.now() - t0) / 1000, requests: pages.length * (plan.warmUp + plan.loads), pages };
  } finally {
    await browser.close();
  }
}

/** One page: warm-up loads (the first also checks the pager's total), then the timed ones. */
async function timePage(page: Page, baseUrl: string, spec: PortalPageSpec, plan: PortalPlan): Promise<PageTiming> {
  const firstRow = page.locator(`${spec.table} .ant-table-row`).first();
  const load = async (): Promise<number> => {
    const start = performance.now();
    await page.goto(`${baseUrl}${spec.path}`, { waitUntil: 'commit' });
    await firstRow.waitFor({ state: 'visible' });
    return performance.now() - start;
  };
  /** The page's slowest finished /api/ request (Resource Timing), read after the clock stopped. */
  const slowestApi = (): Promise<{ name: string; ms: number }> =>
    page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.startsWith('/api/'))
        .reduce((worst, e) => (e.duration > worst.ms ? { name: new URL(e.name).pathname, ms: e.duration } : worst), { name: '', ms: 0 }),
    );
  for (let i = 0; i < plan.warmUp; i++) {
    await load();
    if (i === 0) {
      // A fast page that shows the wrong list must not pass: its pager gives the total.
      const total = await page.locator(`${spec.table} .ant-pagination-total-text`).first().textContent();
      if ((total ?? '').replace(/\D/g, '') !== String(spec.total)) throw new Error(`${spec.path}: the pager says "${total}", want ${spec.total} in total`);
    }
  }
  const times: number[] = [];
  const api: Array<{ name: string; ms: number }> = [];
  for (let i = 0; i < plan.loads; i++) {
    times.push(await load());
    api.push(await slowestApi());
  }
  times.sort((a, b) => a - b);
  const apiTimes = api.map((a) => a.ms).sort((a, b) => a - b);
  const names = api.map((a) => a.name);
  const commonest = names.sort((a, b) => names.filter((n) => n === b).length - names.filter((n) => n === a).length)[0] ?? '';
  return {
    label: spec.label,
    path: spec.path,
    loads: plan.loads,
    medianMs: times[Math.floor(times.length / 2)] ?? NaN,
    minMs: times[0] ?? NaN,
    maxMs: times[times.length - 1] ?? NaN,
    apiMs: apiTimes[Math.floor(apiTimes.length / 2)] ?? NaN,
    slowestApi: commonest,
  };
}
