/**
 * `npm run bench`: Berth against CNCF distribution, same workload, same client, one run.
 *
 *   npm run bench                         # full run, both servers (~3–5 min on 2 cores, plus ~6 for gc)
 *   npm run bench -- --quick              # smaller sizes, under a minute
 *   npm run bench -- --only push,manifest # a subset (pull pushes its blobs untimed if needed)
 *   npm run bench -- --only listing       # Berth's artifact/tag listings on a big repository
 *   npm run bench -- --only chartindex    # the classic Helm repository's index.yaml with 10,000 chart versions
 *   npm run bench -- --only gc            # online GC over 100,000 blobs while pushes go on
 *   npm run bench -- --only portal        # the portal's list pages in Chromium, 10,000 repositories / artifacts
 *   npm run bench -- --only vulndb        # `berth vulndb import` of 20,000 generated OSV records (SQLite; PostgreSQL too with --postgres)
 *   npm run bench -- --only scan          # the built-in scanner on a 200 MB image against zcat of its layers
 *   npm run bench -- --only trust         # manifest GET latency with content trust (verified signatures) on vs off
 *   npm run bench -- --only replicate     # 100 images replicated to a fresh distribution by a Berth policy vs skopeo sync
 *   npm run bench -- --only proxy         # proxy-cache hits (manifest by tag + blobs) vs the same pull from an ordinary project
 *   npm run bench -- --only redirect      # blob pulls from Berth on S3 (s3rver): through Berth vs redirected (storage.redirect)
 *   npm run bench -- --only scale --postgres URL  # filesystem vs S3 (s3rver); 1 vs 2 instances behind haproxy; S3 and DB requests per operation
 *   npm run bench -- --server distribution
 *   npm run bench -- --help               # all flags (--berth-no-fsync, --data-root, --json, …)
 *
 * Both servers run on 127.0.0.1 in fresh temp dirs. Each workload runs 3 times (once with
 * --quick), its repetitions alternating between the servers, each after a `sync`, so drift
 * and one server's dirty pages do not land on the other; the median is reported.
 * Everything is bounded: request counts, durations, and a whole-run deadline.
 * The listing workload runs once, on Berth only (distribution has no artifact API); its
 * seeding (tens of thousands of manifest PUTs) is timed and reported apart from the listing.
 * The gc workload runs once, on a Berth of its own (GC grace window 0 minutes), seeded untimed.
 * The portal workload runs once, on Berth only: seeded untimed, then pages timed in Chromium.
 * The vulndb workload starts no server: it runs the `berth vulndb import` command once per
 * database (a first import, then an update of every record) on a generated zip.
 * The scan workload runs on a Berth of its own, started with the OSV fixtures imported; it times
 * scans through the API against `zcat` of the same layers, on a 200 MB image and a 50 MB one.
 * The replicate and proxy workloads run on a Berth of their own with fresh distribution instances
 * (replication destinations, the proxy cache's upstream), rounds alternating what goes first.
 * The redirect workload runs on two Berths of its own on one s3rver (a process of its own), one
 * with storage.redirect: the same blobs pulled through Berth and from S3, rounds alternating.
 * The scale workload runs once, on Berths of its own (see bench/scale.ts): filesystem against S3
 * (s3rver in a process of its own), and with --postgres one instance against two behind haproxy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { RegistryClient, RegistryError } from './client.js';
import { MiB } from './data.js';
import {
  DISTRIBUTION_BIN,
  PASSWORD,
  RssSampler,
  S3RVER_KEYS,
  USERNAME,
  cpuSeconds,
  killLeftovers,
  sleep,
  startBerth,
  startDistribution,
  startS3rver,
  tail,
  type Server,
} from './servers.js';
import { chartIndexLatencies, seedCharts } from './chartindex.js';
import { listingLatencies, PLANTED, plantedListings, seedListing, seedPlanted } from './listing.js';
import { quotaContention } from './quota.js';
import { contentTrustPulls } from './trust.js';
import { gcUnderLoad, seedGc } from './gc.js';
import { PORTAL_PROJECT, portalTimings, seedPortal } from './portal.js';
import { importVulnDbFiles, vulnDbImports } from './vulndb.js';
import { scanImages, type ScanPlan } from './scan.js';
import { replicationRace, type ReplicatePlan } from './replicate.js';
import { proxyHits, type ProxyPlan } from './proxy.js';
import { redirectRace, type RedirectPlan } from './redirect.js';
import { scaleFigures, type ScalePlan } from './scale.js';
import { blobPull, blobPush, blobSpecs, chunkedPush, digests, manifestGet, pushImage, smallImages, type Measured } from './workloads.js';
import { renderTable, type Results, type Sampled } from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The OSV records the scanner's tests match against (a directory `berth vulndb import` reads recursively). */
const VULNDB_FIXTURES = resolve(ROOT, 'src', 'scan', 'vulndb', 'fixtures');
const WORKLOADS = [
  'push16',
  'push',
  'pull',
  'chunked',
  'small',
  'manifest',
  'listing',
  'chartindex',
  'quota',
  'gc',
  'portal',
  'vulndb',
  'scan',
  'trust',
  'replicate',
  'proxy',
  'redirect',
  'scale',
] as const;
type Workload = (typeof WORKLOADS)[number];
const REFERENCE_WORKLOADS = new Set<Workload>(['manifest', 'small']);
/** Harbor API workloads: distribution has nothing to compare them with. */
const BERTH_ONLY_WORKLOADS = new Set<Workload>([
  'listing',
  'chartindex',
  'quota',
  'gc',
  'portal',
  'vulndb',
  'scan',
  'trust',
  'replicate',
  'proxy',
  'redirect',
  'scale',
]);
/** Workloads that run Berth's CLI or a Berth of their own: the shared servers are not started for them alone. */
const SERVERLESS_WORKLOADS = new Set<Workload>(['vulndb', 'scan', 'replicate', 'proxy', 'redirect', 'scale']);

const program = new Command()
  .name('bench')
  .description('Benchmark Berth against CNCF distribution on loopback')
  .option('--quick', 'smaller sizes and shorter runs')
  .option('--only <list>', `comma-separated subset of: ${WORKLOADS.join(', ')}`)
  .option('--server <which>', 'both | berth | distribution', 'both')
  .option('--no-reference', 'skip the distribution-without-auth reference run (manifest GET, small images)')
  .option('--berth-no-fsync', 'run Berth with storage.fsync false (distribution never fsyncs)')
  .option('--berth-digest-thread', 'run Berth with storage.digestThread true (uploads hashed off the event loop)')
  .option(
    '--postgres <url>',
    'run Berth on a fresh database created on this PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test), instead of SQLite (vulndb: as well as SQLite)',
  )
  .option('--data-root <dir>', "parent of the servers' temp dirs, e.g. /dev/shm to take the disk out of the comparison")
  .option('--keep', "keep the servers' temp dirs (data, config, log) for a post-mortem")
  .option('--berth-node-args <args>', "extra node arguments for Berth, space-separated, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it or '--trace-gc'")
  .option('--json <file>', 'also write the results as JSON')
  .option('--gc-blobs <n>', 'blobs the gc workload seeds (default 100000, 10000 with --quick)')
  .option('--vulndb-records <n>', 'OSV records the vulndb workload imports (default 20000, 5000 with --quick)')
  .option('--max-minutes <n>', 'abort the whole run after this long (gc alone takes ~6)', '20')
  .parse();
const opts = program.opts<{
  postgres?: string;
  dataRoot?: string;
  reference: boolean;
  berthNoFsync?: boolean;
  berthDigestThread?: boolean;
  quick?: boolean;
  only?: string;
  server: string;
  keep?: boolean;
  berthNodeArgs?: string;
  json?: string;
  gcBlobs?: string;
  vulndbRecords?: string;
  maxMinutes: string;
}>();

const quick = Boolean(opts.quick);
const plan = {
  push: { count: quick ? 4 : 8, size: (quick ? 16 : 64) * MiB, concurrency: 4 },
  // The pushed blobs, each pulled this many times: one pass takes a fifth of a second, too short to time.
  pull: { rounds: quick ? 1 : 4 },
  push16: { count: quick ? 4 : 8, size: (quick ? 4 : 16) * MiB, concurrency: 4 },
  chunked: { count: quick ? 1 : 2, size: (quick ? 32 : 64) * MiB, chunk: 5 * MiB, concurrency: quick ? 1 : 2 },
  manifest: { concurrency: 16, seconds: quick ? 2 : 5, maxRequests: quick ? 10_000 : 50_000 },
  small: { count: quick ? 50 : 200, concurrency: 4 },
  listing: { artifacts: quick ? 1_000 : 10_000, tagsPerArtifact: 5, seedConcurrency: 16, warmUp: 20, requests: 200, pageSize: 10 },
  chartindex: { versions: quick ? 1_000 : 10_000, charts: quick ? 10 : 100, seedConcurrency: 8, warmUp: 5, requests: 50, rebuilds: 5 },
  quota: { pushers: 16, imagesPerPusher: quick ? 5 : 20, reps: quick ? 1 : 5 },
  trust: { concurrency: 16, seconds: quick ? 3 : 8, maxRequests: 200_000, rounds: quick ? 1 : 3 },
  portal: { repositories: quick ? 1_000 : 10_000, artifacts: quick ? 1_000 : 10_000, seedConcurrency: 16, warmUp: 2, loads: 5 },
  vulndb: { records: Number(opts.vulndbRecords ?? (quick ? 5_000 : 20_000)) },
  scan: {
    images: [
      { label: quick ? '64mb' : '200mb', compressedBytes: (quick ? 64 : 200) * MiB, osPackages: 150, npmPackages: 1000 },
      { label: quick ? '16mb' : '50mb', compressedBytes: (quick ? 16 : 50) * MiB, osPackages: 150, npmPackages: 1000 },
    ],
    reps: quick ? 1 : 3,
  } satisfies ScanPlan,
  replicate: {
    images: 100,
    repositories: 10,
    baseLayers: 10,
    baseLayerSize: (quick ? 1 : 4) * MiB,
    layersPerImage: 4,
    uniqueLayerSize: 256 * 1024,
    rounds: quick ? 1 : 3,
    pushConcurrency: 4,
    maxSeconds: 300,
  } satisfies ReplicatePlan,
  proxy: {
    concurrency: 8,
    seconds: quick ? 3 : 8,
    maxPulls: 200_000,
    rounds: quick ? 1 : 3,
    layerSizes: [16 * 1024, 256 * 1024],
  } satisfies ProxyPlan,
  redirect: { count: 8, size: (quick ? 16 : 64) * MiB, concurrency: 4, rounds: quick ? 1 : 3 } satisfies RedirectPlan,
  scale: {
    push: { count: quick ? 4 : 8, size: (quick ? 16 : 64) * MiB, concurrency: 4 },
    manifest: { concurrency: 16, seconds: quick ? 2 : 5, maxRequests: quick ? 10_000 : 50_000 },
    countImages: quick ? 50 : 100,
    countManifestGets: quick ? 500 : 2000,
  } satisfies ScalePlan,
  gc: {
    blobs: Number(opts.gcBlobs ?? (quick ? 10_000 : 100_000)),
    blobsPerImage: 10,
    seedConcurrency: 16,
    pushers: 8,
    baselineSeconds: quick ? 5 : 10,
    maxGcSeconds: 600,
    verifyBlobs: 1000,
    verifyImages: 50,
  },
};
if (!Number.isInteger(plan.vulndb.records) || plan.vulndb.records < 1 || plan.vulndb.records > 1_000_000)
  program.error('--vulndb-records: want an integer from 1 to 1000000');
if (!Number.isInteger(plan.gc.blobs) || plan.gc.blobs < plan.gc.blobsPerImage * 10) program.error(`--gc-blobs: want an integer ≥ ${plan.gc.blobsPerImage * 10}`);

const isWorkload = (w: string): w is Workload => (WORKLOADS as readonly string[]).includes(w);
const only = opts.only?.split(',').map((w) => w.trim()) ?? [...WORKLOADS];
const unknown = only.filter((w) => !isWorkload(w));
if (unknown.length) program.error(`--only: unknown workload ${unknown.join(', ')} (known: ${WORKLOADS.join(', ')})`);
const selected = new Set<Workload>(only.filter(isWorkload));
if (!['both', 'berth', 'distribution'].includes(opts.server)) program.error(`--server: want both, berth or distribution, not ${opts.server}`);

const log = (line: string): void => console.log(line);
const servers: Server[] = [];
const samplers = new Map<Server, RssSampler>();
let stopping = false;

let shuttingDown: Promise<never> | undefined;

/** Stops the servers and exits; the first caller's exit code wins (an interrupt beats "done"). */
function shutdown(code: number): Promise<never> {
  stopping = true;
  shuttingDown ??= (async () => {
    if (code !== 0) log(`\nstopping (exit ${code}): shutting the servers down`);
    for (const s of samplers.values()) s.stop();
    await Promise.allSettled(servers.map((s) => s.stop()));
    process.exit(code);
  })();
  return shuttingDown;
}
process.on('exit', killLeftovers);
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
const deadline = setTimeout(
  () => {
    log(`\n!! whole-run deadline of ${opts.maxMinutes} min reached: stopping`);
    void shutdown(2);
  },
  Number(opts.maxMinutes) * 60_000,
);
deadline.unref();

const placement = { keep: Boolean(opts.keep), dataRoot: opts.dataRoot, nodeArgs: opts.berthNodeArgs?.split(/\s+/).filter((a) => a.length > 0) ?? [] };

async function startServers(): Promise<string[]> {
  const notes: string[] = [];
  const want = opts.server;
  if (want === 'both' || want === 'berth') {
    try {
      const digestThread: Record<string, string> = opts.berthDigestThread ? { BERTH_STORAGE_DIGEST_THREAD: 'true' } : {};
      const s = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres, digestThread);
      servers.push(s);
      log(`started Berth at ${s.baseUrl} (pid ${s.pid}, ${s.authNote}${opts.berthDigestThread ? ', digest thread' : ''}, data ${s.dir})`);
    } catch (err) {
      const msg = `Berth not runnable: ${(err as Error).message}`;
      if (want === 'berth') throw new Error(msg);
      log(msg);
      notes.push(msg.split('\n')[0] as string);
    }
  }
  if (want === 'both' || want === 'distribution') {
    if (!existsSync(DISTRIBUTION_BIN)) {
      notes.push(`distribution not installed (${DISTRIBUTION_BIN}): Berth figures only`);
    } else {
      const s = await startDistribution(placement);
      servers.push(s);
      log(`started distribution at ${s.baseUrl} (pid ${s.pid}, ${s.authNote}, data ${s.dir})`);
      // Without auth, for the auth-heavy workloads only: separates bcrypt's cost from the server's.
      if (opts.reference && (selected.has('manifest') || selected.has('small'))) {
        const r = await startDistribution(placement, false);
        servers.push(r);
        log(`started distribution (no auth, reference) at ${r.baseUrl} (pid ${r.pid}, data ${r.dir})`);
      }
    }
  }
  for (const s of servers) samplers.set(s, new RssSampler(s.pid));
  return notes;
}

async function client(server: Server, repo: string, maxSockets: number, actions?: string): Promise<RegistryClient> {
  const c = new RegistryClient({ baseUrl: server.baseUrl, username: USERNAME, password: PASSWORD, repository: `library/${repo}`, maxSockets, actions });
  await c.login();
  return c;
}

const pushSpecs = (rep: number) => blobSpecs(`push-r${rep}`, plan.push.count, plan.push.size);
const pushed = new Set<Server>();

/** One repetition of one workload; every repetition pushes fresh blobs, so none is a no-op. */
async function runOne(w: Workload, server: Server, rep: number): Promise<Sampled> {
  switch (w) {
    case 'push16': {
      const c = await client(server, 'bench-push16', plan.push16.concurrency);
      const specs = blobSpecs(`push16-r${rep}`, plan.push16.count, plan.push16.size);
      // The digests are computed (and cached) before the client's CPU is counted.
      await digests(specs);
      return measure(server, c, () => blobPush(c, specs, plan.push16.concurrency));
    }
    case 'push': {
      const c = await client(server, 'bench-push', plan.push.concurrency);
      await digests(pushSpecs(rep));
      const m = await measure(server, c, () => blobPush(c, pushSpecs(rep), plan.push.concurrency));
      if (rep === 0) pushed.add(server);
      return m;
    }
    case 'pull': {
      const c = await client(server, 'bench-push', plan.push.concurrency);
      if (!pushed.has(server)) {
        log(`  (${server.name}: pushing the pull set first, untimed)`);
        await blobPush(c, pushSpecs(0), plan.push.concurrency);
        pushed.add(server);
      }
      await digests(pushSpecs(0));
      return measure(server, c, () => blobPull(c, pushSpecs(0), plan.push.concurrency, plan.pull.rounds));
    }
    case 'chunked': {
      const c = await client(server, 'bench-chunked', plan.chunked.concurrency);
      const specs = blobSpecs(`chunked-r${rep}`, plan.chunked.count, plan.chunked.size);
      await digests(specs);
      return measure(server, c, () => chunkedPush(c, specs, plan.chunked.chunk, plan.chunked.concurrency));
    }
    case 'small': {
      const c = await client(server, 'bench-small', plan.small.concurrency);
      return measure(server, c, () => smallImages(c, `small-r${rep}`, plan.small.count, plan.small.concurrency));
    }
    case 'listing': {
      const c = await client(server, 'bench-listing', plan.listing.seedConcurrency);
      const planted = await client(server, 'bench-planted', PLANTED.concurrency);
      let seed;
      try {
        log(
          `  (${server.name}: seeding ${plan.listing.artifacts} artifacts × ${plan.listing.tagsPerArtifact} tags through PUT manifest, c${plan.listing.seedConcurrency})`,
        );
        seed = await seedListing(c, plan.listing, log);
        log(`  (${server.name}: seeding ${PLANTED.artifacts} artifacts sharing a 4 MB config)`);
        await seedPlanted(planted);
      } catch (err) {
        c.close();
        planted.close();
        throw err;
      }
      const basic = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
      try {
        const timed = async () => {
          const measured = await listingLatencies(c, basic, plan.listing);
          measured.endpoints?.push(await plantedListings(planted, basic));
          return measured;
        };
        return { ...(await measure(server, c, timed)), seed };
      } finally {
        planted.close();
      }
    }
    case 'chartindex': {
      const c = await client(server, 'bench-chartindex', 1);
      const basic = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
      log(`  (${server.name}: seeding ${plan.chartindex.versions} chart versions through the ChartMuseum upload API, c${plan.chartindex.seedConcurrency})`);
      const seed = await seedCharts(server.baseUrl, basic, plan.chartindex, log);
      const m = await measure(server, c, () => chartIndexLatencies(c, server.baseUrl, basic, plan.chartindex));
      return { ...m, detail: `seeded ${seed.versions} versions in ${seed.seconds.toFixed(1)} s` };
    }
    case 'quota': {
      const c = await client(server, 'bench-quota', 1);
      return measure(server, c, () => quotaContention(server.baseUrl, { username: USERNAME, password: PASSWORD }, plan.quota, plan.quota.reps, log));
    }
    case 'trust': {
      const c = await client(server, 'bench-trust', 1);
      return measure(server, c, () => contentTrustPulls(server.baseUrl, { username: USERNAME, password: PASSWORD }, plan.trust, log));
    }
    case 'gc':
      return gcWorkload();
    case 'vulndb':
    case 'scan':
    case 'replicate':
    case 'proxy':
    case 'redirect':
    case 'scale':
      throw new Error(`${w} runs without the shared servers (serverlessWorkload)`);
    case 'portal': {
      const c = new RegistryClient({
        baseUrl: server.baseUrl,
        username: USERNAME,
        password: PASSWORD,
        repository: `${PORTAL_PROJECT}/artifacts`,
        maxSockets: plan.portal.seedConcurrency,
      });
      const basic = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
      let portalSeed;
      try {
        log(
          `  (${server.name}: seeding ${plan.portal.repositories} repositories and one repository of ${plan.portal.artifacts} artifacts, c${plan.portal.seedConcurrency})`,
        );
        await c.login();
        portalSeed = await seedPortal(c, basic, plan.portal, log);
      } catch (err) {
        c.close();
        throw err;
      }
      return { ...(await measure(server, c, () => portalTimings(server.baseUrl, { username: USERNAME, password: PASSWORD }, plan.portal, log))), portalSeed };
    }
    case 'manifest': {
      const c = await client(server, 'bench-manifest', plan.manifest.concurrency);
      if (rep === 0) await pushImage(c, 'manifest-target', 'latest');
      return measure(server, c, () => manifestGet(c, 'latest', plan.manifest.concurrency, plan.manifest.seconds, plan.manifest.maxRequests));
    }
  }
}

/**
 * On a Berth of its own: its 0-minute GC grace window makes the deleted images' blobs garbage
 * at once, and must not reach the other workloads' server. Seeding is untimed (reported apart).
 */
async function gcWorkload(): Promise<Sampled> {
  const gcServer = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres, { BERTH_GC_GRACE_MINUTES: '0' });
  log(`  (started a dedicated Berth for gc at ${gcServer.baseUrl}, pid ${gcServer.pid}, gc.graceMinutes 0)`);
  samplers.set(gcServer, new RssSampler(gcServer.pid));
  try {
    const seeder = await client(gcServer, 'bench-gc', plan.gc.seedConcurrency, 'pull,push,delete');
    log(`  (seeding ${plan.gc.blobs} blobs of 1–4 KiB as images of ${plan.gc.blobsPerImage} blobs, c${plan.gc.seedConcurrency}; then deleting every tenth image)`);
    const seeded = await seedGc(seeder, plan.gc, log).finally(() => seeder.close());
    const c = await client(gcServer, 'bench-gc', 1);
    return await measure(gcServer, c, () => gcUnderLoad(gcServer.baseUrl, { username: USERNAME, password: PASSWORD }, seeded, plan.gc, log));
  } finally {
    samplers.get(gcServer)?.stop();
    samplers.delete(gcServer);
    await gcServer.stop();
  }
}

/** `berth vulndb import` on each database; no server. RSS and CPU are the import processes'. */
async function vulnDbWorkload(): Promise<Sampled> {
  const clientCpu = process.cpuUsage();
  const m = await vulnDbImports(ROOT, plan.vulndb, placement, opts.postgres, log);
  const used = process.cpuUsage(clientCpu);
  const imports = m.vulndb.imports;
  return {
    ...m,
    rss: { peak: Math.max(...imports.map((i) => i.peakRss)), start: 0 },
    auth: 'none (CLI)',
    cpu: { server: imports.reduce((sum, i) => sum + i.cpuSeconds, 0), client: (used.user + used.system) / 1e6 },
  };
}

/**
 * On a Berth of its own, started with the OSV fixtures imported and a 50 ms job poll. The figure
 * is the scan / zcat ratio of the largest image; RSS is Berth's, sampled during the scans only.
 */
async function scanWorkload(): Promise<Sampled> {
  let vulndb = { records: 0, seconds: 0 };
  const scanServer = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres, { BERTH_JOBS_POLL_INTERVAL_MS: '50' }, async (dataDir, env, args) => {
    vulndb = await importVulnDbFiles(ROOT, args, dataDir, env, [VULNDB_FIXTURES]);
  });
  log(`  (started a dedicated Berth for scan at ${scanServer.baseUrl}, pid ${scanServer.pid}; ${vulndb.records} OSV fixture records imported first)`);
  try {
    const clientCpu = process.cpuUsage();
    const serverCpu = cpuSeconds(scanServer.pid);
    const figures = await scanImages(
      scanServer,
      (repo) => client(scanServer, repo.replace(/^library\//, ''), 2),
      { username: USERNAME, password: PASSWORD },
      plan.scan,
      placement,
      log,
    );
    const used = process.cpuUsage(clientCpu);
    const [main] = figures.images;
    if (!main) throw new Error('no image was scanned');
    return {
      value: main.scanSeconds / main.zcatSeconds,
      seconds: figures.images.reduce((n, i) => n + i.scanSeconds, 0),
      requests: 0,
      scan: { ...figures, vulndb },
      rss: { peak: Math.max(...figures.images.map((i) => i.peakRss)), start: main.startRss },
      auth: 'basic (API)',
      cpu: { server: cpuSeconds(scanServer.pid) - serverCpu, client: (used.user + used.system) / 1e6 },
    };
  } finally {
    await scanServer.stop();
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

/**
 * On a Berth of its own (default job settings): the images are pushed untimed, then each round
 * replicates them to a fresh distribution and `skopeo sync`s them to another. The figure is the
 * median Berth time over the median skopeo time; CPU is Berth's during its replications.
 */
async function replicateWorkload(): Promise<Sampled> {
  const berth = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres);
  log(`  (started a dedicated Berth for replicate at ${berth.baseUrl}, pid ${berth.pid})`);
  const sampler = new RssSampler(berth.pid);
  try {
    const clientCpu = process.cpuUsage();
    sampler.mark();
    const figures = await replicationRace(berth, { username: USERNAME, password: PASSWORD }, plan.replicate, placement, log);
    const used = process.cpuUsage(clientCpu);
    const berthSeconds = median(figures.rounds.map((r) => r.berthSeconds));
    const skopeoSeconds = median(figures.rounds.map((r) => r.skopeoSeconds));
    return {
      value: berthSeconds / skopeoSeconds,
      seconds: berthSeconds,
      requests: 0,
      replicate: figures,
      rss: sampler.peak(),
      auth: 'basic (API), token (registry)',
      cpu: { server: median(figures.rounds.map((r) => r.berthCpu)), client: (used.user + used.system) / 1e6 },
      runs: figures.rounds.map((r) => r.berthSeconds / r.skopeoSeconds),
    };
  } finally {
    sampler.stop();
    await berth.stop();
  }
}

/** Berth's default proxyCache.tagFreshnessSeconds: the bench measures with the default config. */
const DEFAULT_TAG_FRESHNESS_SECONDS = 300;

/**
 * On a Berth of its own with the default config: proxy-cache hits against pulls of the same image
 * from an ordinary project. The figure is the median of the rounds' p50 pull-latency ratios.
 */
async function proxyWorkload(): Promise<Sampled> {
  const berth = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres);
  log(`  (started a dedicated Berth for proxy at ${berth.baseUrl}, pid ${berth.pid})`);
  const sampler = new RssSampler(berth.pid);
  try {
    const clientCpu = process.cpuUsage();
    const serverCpu = cpuSeconds(berth.pid);
    sampler.mark();
    const figures = await proxyHits(berth, { username: USERNAME, password: PASSWORD }, plan.proxy, placement, DEFAULT_TAG_FRESHNESS_SECONDS, log);
    const used = process.cpuUsage(clientCpu);
    const ratios = figures.rounds.map((r) => r.proxy.pullP50 / r.local.pullP50);
    return {
      value: median(ratios),
      seconds: figures.rounds.length * 2 * plan.proxy.seconds,
      requests: figures.rounds.reduce((n, r) => n + (r.local.pulls + r.proxy.pulls) * (1 + figures.blobsPerPull), 0),
      proxy: figures,
      rss: sampler.peak(),
      auth: 'token (registry)',
      cpu: { server: cpuSeconds(berth.pid) - serverCpu, client: (used.user + used.system) / 1e6 },
      runs: ratios,
    };
  } finally {
    sampler.stop();
    await berth.stop();
  }
}

/**
 * Two Berths of their own on one s3rver (each its own key prefix and database), the second with
 * storage.redirect. The figure is the median of the rounds' MiB/s ratios, redirected / through
 * Berth; CPU and RSS are the redirecting Berth's.
 */
async function redirectWorkload(): Promise<Sampled> {
  const s3 = await startS3rver(ROOT, placement);
  const started: Server[] = [];
  const clients: RegistryClient[] = [];
  try {
    log(`  (started s3rver at ${s3.endpoint}, pid ${s3.pid})`);
    const env = (prefix: string): Record<string, string> => ({
      BERTH_STORAGE_DRIVER: 's3',
      BERTH_STORAGE_S3_BUCKET: s3.bucket,
      BERTH_STORAGE_S3_ENDPOINT: s3.endpoint,
      BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
      BERTH_STORAGE_S3_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId,
      BERTH_STORAGE_S3_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey,
      BERTH_STORAGE_S3_ROOT_DIRECTORY: prefix,
    });
    const through = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres, env('through'));
    started.push(through);
    const redirecting = await startBerth(ROOT, placement, !opts.berthNoFsync, log, opts.postgres, { ...env('redirect'), BERTH_STORAGE_REDIRECT: 'true' });
    started.push(redirecting);
    log(`  (started two Berths on S3 at ${through.baseUrl} and, with storage.redirect, ${redirecting.baseUrl})`);
    const side = async (server: Server) => {
      const c = await client(server, 'bench-redirect', plan.redirect.concurrency);
      clients.push(c);
      return { server, client: c };
    };
    const sides = { through: await side(through), redirect: await side(redirecting) };
    const sampler = new RssSampler(redirecting.pid);
    try {
      const clientCpu = process.cpuUsage();
      sampler.mark();
      const figures = await redirectRace(sides, s3, plan.redirect, log);
      const used = process.cpuUsage(clientCpu);
      const ratios = figures.rounds.map((r) => r.redirect.mibPerSecond / r.through.mibPerSecond);
      return {
        value: median(ratios),
        seconds: figures.rounds.reduce((n, r) => n + r.through.seconds + r.redirect.seconds, 0),
        requests: figures.rounds.length * plan.redirect.count * 3,
        redirect: figures,
        rss: sampler.peak(),
        auth: 'token (registry), none (presigned URLs)',
        cpu: { server: median(figures.rounds.map((r) => r.redirect.berthCpuSeconds)), client: (used.user + used.system) / 1e6 },
        runs: ratios,
      };
    } finally {
      sampler.stop();
    }
  } finally {
    for (const c of clients) c.close();
    for (const server of started) await server.stop();
    await s3.stop();
  }
}

/**
 * On Berths of its own (bench/scale.ts). The figure is 2 instances' manifest GET rate over 1
 * instance's (both behind haproxy), or with no --postgres S3's blob pull rate over the filesystem's.
 */
async function scaleWorkload(): Promise<Sampled> {
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  const figures = await scaleFigures(ROOT, plan.scale, placement, !opts.berthNoFsync, opts.postgres, log);
  const used = process.cpuUsage(clientCpu);
  const [fs, s3] = figures.storage;
  const one = figures.instances.find((f) => f.label === '1 instance behind haproxy');
  const two = figures.instances.find((f) => f.label === '2 instances behind haproxy');
  const value = one?.manifestPerSecond && two?.manifestPerSecond ? two.manifestPerSecond / one.manifestPerSecond : (s3?.pullMiBs ?? NaN) / (fs?.pullMiBs ?? NaN);
  return {
    value,
    seconds: (performance.now() - started) / 1000,
    requests: 0,
    scale: figures,
    rss: { peak: 0, start: 0 },
    auth: 'token (registry)',
    cpu: { server: [...figures.storage, ...figures.instances].reduce((n, f) => n + (f.serverCpu ?? 0), 0), client: (used.user + used.system) / 1e6 },
  };
}

/**
 * A little of every kind of traffic, untimed, so the first timed workload does not pay for
 * JIT warm-up, lazy heap growth or first-use database pages (and the RSS comparison between
 * small and big blobs is between two warm runs).
 */
async function warmUp(server: Server): Promise<void> {
  const c = await client(server, 'bench-warmup', 4);
  try {
    await blobPush(c, blobSpecs('warmup', 4, 4 * MiB), 4);
    for (let i = 0; i < 8; i++) await pushImage(c, `warmup-${i}`, `w${i}`);
    await manifestGet(c, 'w0', 4, 0.5, 2000);
  } catch (err) {
    log(`  (${server.name}: warm-up failed: ${(err as Error).message.split('\n')[0]})`);
  } finally {
    c.close();
  }
}

/** Runs one workload inside an RSS window; the client is closed whatever happens. */
async function measure(server: Server, c: RegistryClient, fn: () => Promise<Measured>): Promise<Sampled> {
  const sampler = samplers.get(server) as RssSampler;
  try {
    sync();
    await sleep(300);
    sampler.mark();
    const serverCpu = cpuSeconds(server.pid);
    const clientCpu = process.cpuUsage();
    const m = await fn();
    const rss = sampler.peak();
    const used = process.cpuUsage(clientCpu);
    const cpu = { server: cpuSeconds(server.pid) - serverCpu, client: (used.user + used.system) / 1e6 };
    const auth = c.reauths ? `${c.mode}, ${c.reauths} re-auths` : c.mode;
    return { ...m, rss, auth, cpu };
  } finally {
    c.close();
  }
}

/** Flush dirty pages so one server's writeback never lands in the other's timing. */
function sync(): void {
  spawnSync('sync', { timeout: 60_000 });
}

function describe(m: Sampled, unit: string): string {
  const parts = [`${m.value.toFixed(1)} ${unit}`, `${m.seconds.toFixed(2)} s`, `${m.requests} req`];
  if (m.p50Ms !== undefined) parts.push(`p50 ${m.p50Ms.toFixed(2)} ms`, `p99 ${(m.p99Ms ?? NaN).toFixed(2)} ms`);
  if (m.portalSeed) {
    const seed = m.portalSeed;
    parts.push(
      `seeded ${seed.repositories} repositories and ${seed.artifacts} artifacts in ${seed.seconds.toFixed(1)} s (${(seed.requests / seed.seconds).toFixed(0)} req/s)`,
    );
  }
  if (m.seed)
    parts.push(`seeded ${m.seed.artifacts} artifacts / ${m.seed.tags} tags in ${m.seed.seconds.toFixed(1)} s (${(m.seed.puts / m.seed.seconds).toFixed(0)} PUT/s)`);
  parts.push(`CPU server ${m.cpu.server.toFixed(2)} s / client ${m.cpu.client.toFixed(2)} s`);
  parts.push(`peak RSS ${(m.rss.peak / MiB).toFixed(0)} MiB (start ${(m.rss.start / MiB).toFixed(0)})`, `auth ${m.auth}`);
  const endpoints = (m.endpoints ?? []).map((e) => `\n    ${e.label}: p50 ${e.p50Ms.toFixed(2)} / p95 ${e.p95Ms.toFixed(2)} / p99 ${e.p99Ms.toFixed(2)} ms`);
  const pages = (m.pages ?? []).map(
    (p) => `\n    ${p.label}: median ${p.medianMs.toFixed(0)} ms (${p.minMs.toFixed(0)}–${p.maxMs.toFixed(0)}) over ${p.loads} loads`,
  );
  return parts.join(', ') + endpoints.join('') + pages.join('');
}

/** Repetitions per workload: the noisy disk-bound ones get three (median reported); listing's seeding is too long to repeat. */
const REPS: Record<Workload, number> = quick
  ? {
      push16: 1,
      push: 1,
      pull: 1,
      chunked: 1,
      small: 1,
      manifest: 1,
      listing: 1,
      chartindex: 1,
      quota: 1,
      gc: 1,
      portal: 1,
      vulndb: 1,
      scan: 1,
      trust: 1,
      replicate: 1,
      proxy: 1,
      redirect: 1,
      scale: 1,
    }
  : {
      push16: 3,
      push: 3,
      pull: 3,
      chunked: 3,
      small: 3,
      manifest: 3,
      listing: 1,
      chartindex: 1,
      quota: 1,
      gc: 1,
      portal: 1,
      vulndb: 1,
      scan: 1,
      trust: 1,
      replicate: 1,
      proxy: 1,
      redirect: 1,
      scale: 1,
    };

/** The median run's figures; RSS peak is the worst of all runs. */
function combine(list: Sampled[]): Sampled {
  const sorted = [...list].sort((a, b) => a.value - b.value);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as Sampled;
  const peak = Math.max(...list.map((m) => m.rss.peak));
  return { ...median, rss: { ...median.rss, peak }, runs: list.map((m) => m.value) };
}

const UNITS: Record<Workload, string> = {
  push16: 'MiB/s',
  push: 'MiB/s',
  pull: 'MiB/s',
  chunked: 'MiB/s',
  small: 'images/s',
  manifest: 'req/s',
  listing: 'ms worst p50',
  chartindex: 'ms p50, cached index.yaml',
  quota: '× spread/one-project',
  gc: '% push throughput during GC',
  portal: 'ms slowest page (median)',
  vulndb: 'records/s (SQLite, first import)',
  scan: '× zcat (largest image, medians)',
  trust: '× p50 latency, content trust on/off',
  replicate: '× time, Berth replication / skopeo sync (median of rounds)',
  proxy: '× p50 latency, proxy-cache hit / local pull (median of rounds)',
  redirect: '× MiB/s, redirected to S3 / through Berth (median of rounds)',
  scale: '× manifest GET rate, 2 instances / 1 behind haproxy (S3 / filesystem pull rate without --postgres)',
};

/** The workloads that run without the shared servers, each on what it starts itself. */
const SERVERLESS: Partial<Record<Workload, () => Promise<Sampled>>> = {
  vulndb: vulnDbWorkload,
  scan: scanWorkload,
  replicate: replicateWorkload,
  proxy: proxyWorkload,
  redirect: redirectWorkload,
  scale: scaleWorkload,
};

async function main(): Promise<void> {
  log(`berth bench: node ${process.version}, ${cpus().length} cpus, ${quick ? 'quick' : 'full'} run, workloads ${[...selected].join(', ')}`);
  const loadBefore = loadavg()[0] ?? 0;
  const needsServers = [...selected].some((w) => !SERVERLESS_WORKLOADS.has(w));
  const notes = needsServers ? await startServers() : [];
  if (needsServers && servers.length === 0) throw new Error('no server could be started');
  for (const server of servers) await warmUp(server);
  const results: Results = {};
  for (const w of WORKLOADS) {
    if (!selected.has(w)) continue;
    if (SERVERLESS_WORKLOADS.has(w)) {
      if (stopping) return;
      try {
        const workload = SERVERLESS[w];
        if (!workload) throw new Error(`${w} has no serverless runner`);
        const m = await workload();
        (results[w] ??= {}).Berth = m;
        log(`[Berth] ${w}: ${describe(m, UNITS[w])}`);
      } catch (err) {
        if (stopping) return;
        (results[w] ??= {}).Berth = { error: String((err as Error).message ?? err).split('\n')[0] as string };
        log(`[Berth] ${w}: FAILED ${String((err as Error).stack ?? err)}`);
      }
      continue;
    }
    const reps = REPS[w];
    const runs = new Map<Server, Sampled[]>();
    const failed = new Set<Server>();
    // Repetitions alternate between the servers, so drift (disk writeback, thermal) hits both.
    for (let rep = 0; rep < reps; rep++) {
      for (const server of servers) {
        if (stopping) return; // interrupted: shutdown() owns the exit
        if (failed.has(server) || (server.name === 'distribution-noauth' && !REFERENCE_WORKLOADS.has(w))) continue;
        if (server.name !== 'Berth' && BERTH_ONLY_WORKLOADS.has(w)) continue;
        const label = reps > 1 ? `${w} #${rep + 1}` : w;
        try {
          const m = await runOne(w, server, rep);
          runs.set(server, [...(runs.get(server) ?? []), m]);
          log(`[${server.name}] ${label}: ${describe(m, UNITS[w])}`);
        } catch (err) {
          if (stopping) return;
          failed.add(server);
          const detail =
            err instanceof RegistryError ? `${err.message}\n  response headers: ${JSON.stringify(err.responseHeaders)}` : String((err as Error).stack ?? err);
          (results[w] ??= {})[server.name] = { error: detail.split('\n')[0] as string };
          log(`[${server.name}] ${label}: FAILED ${detail}`);
          log(`  server log tail:\n${tail(server.log, 10).replace(/^/gm, '    ')}`);
        }
      }
    }
    for (const [server, list] of runs) {
      if (!failed.has(server)) (results[w] ??= {})[server.name] = combine(list);
    }
  }
  // Client and servers share the machine's cores: other load on it skews the figures.
  notes.push(
    `1-min load average ${loadBefore.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end (${cpus().length} cpus; client and servers share them)`,
  );
  log('');
  log(renderTable(results, plan, servers, notes));
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ plan, results, servers: servers.map((s) => ({ name: s.name, auth: s.authNote })) }, null, 2));
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    return shutdown(1);
  },
);
