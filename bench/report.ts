/** The final Markdown table: Berth | distribution | ratio (Berth / distribution) | target. */
import { MiB } from './data.js';
import type { Server } from './servers.js';
import type { ChartIndexPlan } from './chartindex.js';
import { LISTING_TARGET_MS, type ListingPlan } from './listing.js';
import { QUOTA_TARGET } from './quota.js';
import { GC_PUSH_TARGET, type GcPlan } from './gc.js';
import { PORTAL_TARGET_MS, type PortalPlan } from './portal.js';
import { VULNDB_TARGETS, type VulnDbPlan } from './vulndb.js';
import { SCAN_TARGET_RATIO, type ScanPlan } from './scan.js';
import type { ReplicatePlan } from './replicate.js';
import type { ManifestFigures, ProxyFigures, ProxyPlan, PullFigures } from './proxy.js';
import type { RedirectFigures, RedirectPlan } from './redirect.js';
import type { ScalePlan } from './scale.js';
import type { Measured } from './workloads.js';

/** A workload's figures plus the server's RSS window and the auth mode the client ended up in. */
export type Sampled = Measured & {
  rss: { peak: number; start: number };
  auth: string;
  /** CPU seconds used during the timed part, by the server and by this client. */
  cpu: { server: number; client: number };
  /** The figure of merit of every repetition (the reported value is their median). */
  runs?: number[];
};
export type Outcome = Sampled | { error: string };
export type Results = Partial<Record<string, Partial<Record<Server['name'], Outcome>>>>;

interface Plan {
  push: { count: number; size: number; concurrency: number };
  pull: { rounds: number };
  push16: { count: number; size: number; concurrency: number };
  chunked: { count: number; size: number; chunk: number; concurrency: number };
  manifest: { concurrency: number; seconds: number; maxRequests: number };
  small: { count: number; concurrency: number };
  listing: ListingPlan;
  chartindex: ChartIndexPlan;
  quota: { pushers: number; imagesPerPusher: number; reps: number };
  gc: GcPlan;
  portal: PortalPlan;
  vulndb: VulnDbPlan;
  scan: ScanPlan;
  replicate: ReplicatePlan;
  proxy: ProxyPlan;
  redirect: RedirectPlan;
  scale: ScalePlan;
}

/** Berth's replication time at most skopeo sync's; a proxy-cache hit's p50 at most 1.2× a local pull's. */
export const REPLICATE_TARGET_RATIO = 1;
export const PROXY_TARGET_RATIO = 1.2;

type Pick = (o: Measured & { rss: { peak: number; start: number } }) => number | undefined;

interface Row {
  label: string;
  workload: string;
  pick: Pick;
  digits: number;
  /** Minimum Berth/distribution ratio (higher is better), or a text target. */
  target?: number | string;
  /** Most Berth's own figure may be (peak RSS in MiB), whatever distribution's is. */
  berthAtMost?: number;
}

/** Peak RSS of the Berth server in each workload, in MiB. */
export const RSS_TARGET_MIB = 120;

const mib = (n: number): string => `${n / MiB} MiB`;

function value(results: Results, workload: string, server: Server['name'], pick: Pick): number | string | undefined {
  const o = results[workload]?.[server];
  if (!o) return undefined;
  if ('error' in o) return 'error';
  return pick(o);
}

function fmt(v: number | string | undefined, digits: number): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** Two decimals, or three when two would round a miss up to the target (1.4996 → "1.500×"). */
function ratioText(ratio: number | undefined, target?: number | string): string {
  if (ratio === undefined) return '—';
  const two = ratio.toFixed(2);
  const misleading = typeof target === 'number' && ratio < target && Number(two) >= target;
  return `${misleading ? ratio.toFixed(3) : two}×`;
}

export function renderTable(results: Results, plan: Plan, servers: Server[], notes: string[]): string {
  const p = plan;
  const rows: Row[] = [
    { label: `blob push ${p.push.count}×${mib(p.push.size)}, c${p.push.concurrency} (MiB/s)`, workload: 'push', pick: (o) => o.value, digits: 1, target: 1.5 },
    { label: `blob push ${p.push16.count}×${mib(p.push16.size)}, c${p.push16.concurrency} (MiB/s)`, workload: 'push16', pick: (o) => o.value, digits: 1 },
    {
      label: `blob pull ${p.push.count}×${mib(p.push.size)}, each ${p.pull.rounds}×, c${p.push.concurrency} (MiB/s)`,
      workload: 'pull',
      pick: (o) => o.value,
      digits: 1,
      target: 1,
    },
    {
      label: `chunked push ${p.chunked.count}×${mib(p.chunked.size)} in ${mib(p.chunked.chunk)} PATCHes, c${p.chunked.concurrency} (MiB/s)`,
      workload: 'chunked',
      pick: (o) => o.value,
      digits: 1,
    },
    { label: `manifest GET by tag, auth, c${p.manifest.concurrency} (req/s)`, workload: 'manifest', pick: (o) => o.value, digits: 0, target: 10 },
    { label: 'manifest GET p50 latency (ms, lower is better)', workload: 'manifest', pick: (o) => o.p50Ms, digits: 2 },
    { label: 'manifest GET p99 latency (ms, lower is better)', workload: 'manifest', pick: (o) => o.p99Ms, digits: 2 },
    {
      label: `small-image push ${p.small.count}× (config + 64 KiB layer + manifest), c${p.small.concurrency} (images/s)`,
      workload: 'small',
      pick: (o) => o.value,
      digits: 1,
      target: 2,
    },
  ];
  const rssRows: Array<[string, string]> = [
    ['push16', `blob push ${mib(p.push16.size)} blobs`],
    ['push', `blob push ${mib(p.push.size)} blobs`],
    ['pull', 'blob pull'],
    ['chunked', 'chunked push'],
    ['manifest', 'manifest GET'],
    ['small', 'small-image push'],
    ['listing', 'listing (timed part, after seeding)'],
  ];
  for (const [workload, what] of rssRows) {
    // The target is for the workloads run against distribution; listing holds a 10,000-artifact repository's pages.
    const berthAtMost = workload === 'listing' ? {} : { berthAtMost: RSS_TARGET_MIB };
    rows.push({ label: `peak RSS: ${what} (MiB, lower is better)`, workload, pick: (o) => o.rss.peak / MiB, digits: 0, ...berthAtMost });
  }

  const reference: Row[] = [
    { label: `manifest GET by tag, c${p.manifest.concurrency} (req/s) — vs distribution without auth`, workload: 'manifest', pick: (o) => o.value, digits: 0 },
    { label: 'manifest GET p99 latency (ms) — vs distribution without auth', workload: 'manifest', pick: (o) => o.p99Ms, digits: 2 },
    { label: `small-image push (images/s) — vs distribution without auth`, workload: 'small', pick: (o) => o.value, digits: 1 },
  ];
  const names = new Set(servers.map((s) => s.name));
  const out = ['| workload | Berth | distribution | ratio | target |', '| --- | ---: | ---: | ---: | --- |'];
  for (const row of rows) {
    if (!results[row.workload]) continue;
    const b = names.has('Berth') ? value(results, row.workload, 'Berth', row.pick) : undefined;
    const d = names.has('distribution') ? value(results, row.workload, 'distribution', row.pick) : undefined;
    const ratio = typeof b === 'number' && typeof d === 'number' && d > 0 ? b / d : undefined;
    let target = '';
    if (typeof row.target === 'number') {
      target = `≥${row.target}×` + (ratio === undefined ? '' : ratio >= row.target ? ' — met' : ' — missed');
    } else if (row.berthAtMost !== undefined) {
      target = `≤${row.berthAtMost} MiB` + (typeof b === 'number' ? (b <= row.berthAtMost ? ' — met' : ' — missed') : '');
    }
    out.push(`| ${row.label} | ${fmt(b, row.digits)} | ${fmt(d, row.digits)} | ${ratioText(ratio, row.target)} | ${target} |`);
  }

  out.push(...listingRows(results, p.listing));
  out.push(...chartIndexRows(results, p.chartindex));
  const quota = results.quota?.Berth;
  if (quota && !('error' in quota) && quota.detail) {
    const ratio = quota.value;
    out.push(
      `| quota contention: ${p.quota.pushers} pushers × ${p.quota.imagesPerPusher} small images, one project vs one project each (${quota.detail}) | ${ratio.toFixed(2)}× slower | n/a (no quotas) | — | ≤${QUOTA_TARGET}× — ${ratio <= QUOTA_TARGET ? 'met' : 'missed'} |`,
    );
  }

  out.push(...gcRows(results, p.gc));
  out.push(...portalRows(results, p.portal));
  out.push(...vulnDbRows(results, p.vulndb));
  out.push(...scanRows(results, p.scan));
  out.push(...replicateRows(results, p.replicate));
  out.push(...proxyRows(results, p.proxy));
  out.push(...redirectRows(results, p.redirect));
  out.push(...scaleRows(results));

  if (names.has('distribution-noauth')) {
    for (const row of reference) {
      if (!results[row.workload]?.['distribution-noauth']) continue;
      const b = names.has('Berth') ? value(results, row.workload, 'Berth', row.pick) : undefined;
      const d = value(results, row.workload, 'distribution-noauth', row.pick);
      const ratio = typeof b === 'number' && typeof d === 'number' && d > 0 ? b / d : undefined;
      out.push(`| ${row.label} | ${fmt(b, row.digits)} | ${fmt(d, row.digits)} | ${ratioText(ratio)} | reference |`);
    }
  }

  // Flatness: a server that buffered a blob per upload would grow by at least the size step
  // (48 MiB per upload in flight); allow half a step (or 16 MiB) of GC and buffer noise.
  const small = value(results, 'push16', 'Berth', (o) => o.rss.peak);
  const big = value(results, 'push', 'Berth', (o) => o.rss.peak);
  if (typeof small === 'number' && typeof big === 'number') {
    const growth = (big - small) / MiB;
    const step = (p.push.size - p.push16.size) / MiB;
    const allowed = Math.max(16, step / 2);
    const dSmall = value(results, 'push16', 'distribution', (o) => o.rss.peak);
    const dBig = value(results, 'push', 'distribution', (o) => o.rss.peak);
    const dGrowth = typeof dSmall === 'number' && typeof dBig === 'number' ? (Math.round((dBig - dSmall) / MiB) || 0).toFixed(0) : '—';
    out.push(
      `| peak RSS growth, ${mib(p.push16.size)} → ${mib(p.push.size)} blobs (MiB) | ${growth.toFixed(0)} | ${dGrowth} | — | flat: < +${allowed} MiB (buffering adds ≥ ${step} MiB per upload) — ${growth < allowed ? 'met' : 'missed'} |`,
    );
  }

  const lines = [out.join('\n'), ''];
  lines.push('ratio = Berth / distribution. Notes:');
  for (const s of servers) lines.push(`- ${s.name}: ${s.authNote}`);
  if (names.has('distribution-noauth')) {
    lines.push('- distribution checks the bcrypt hash on every request; the "without auth" rows show how much of the gap that is.');
  }
  // A run of serverless workloads only (vulndb) has no client traffic to describe.
  if (servers.length > 0) {
    lines.push(
      '- Same client for both: node:http with keep-alive for pushes, a lean raw-socket keep-alive GET loop for pulls and manifest GETs (bench/fastget.ts); blobs are deterministic, incompressible bytes sent from a pool made once (no per-MiB encryption or allocation in the client), digests computed before timing.',
    );
    lines.push('- Small images are pushed as docker does: HEAD each blob, POST + PUT it when missing, then PUT the manifest by tag (7 requests).');
    lines.push('- Throughput figures are the median of the repetitions (see the progress lines for each run); peak RSS is the maximum over them.');
  }
  if (results.chartindex) {
    lines.push(
      `- Chart index rows are Berth only (distribution has no Helm repository): one project seeded with ${p.chartindex.versions} chart versions (${p.chartindex.charts} charts) uploaded as the ChartMuseum push plugin uploads them (multipart POST /api/chartrepo/{project}/charts), then GET /chartrepo/{project}/index.yaml with Basic credentials as Helm's repository client sends it: the first build (checked to be a valid index listing every version), ${p.chartindex.requests} cached GETs after ${p.chartindex.warmUp} untimed, and ${p.chartindex.rebuilds} GETs each right after one more upload (a rebuild).`,
    );
  }
  if (results.listing) {
    lines.push(
      `- Listing rows are Berth only (distribution has no artifact or tag API): one repository seeded with ${p.listing.artifacts} artifacts × ${p.listing.tagsPerArtifact} tags through PUT /v2/…/manifests/<tag>, then per endpoint ${p.listing.warmUp} untimed and ${p.listing.requests} timed sequential GETs (one answer checked first); target p50 < ${LISTING_TARGET_MS} ms (Harbor times out here, goharbor/harbor#18598).`,
    );
  }
  if (results.gc) {
    lines.push(
      `- GC rows are Berth only (distribution's GC is offline, with the registry read-only): a dedicated Berth with gc.graceMinutes 0, seeded with ${p.gc.blobs} blobs of 1–4 KiB as images of ${p.gc.blobsPerImage} (POST …/blobs/uploads/?digest= with the body, PUT manifest), every tenth image then deleted by digest so its blobs are garbage; ${p.gc.pushers} pushers push small images for ${p.gc.baselineSeconds} s without GC, then again from the start of a manual GC to its end; afterwards ${p.gc.verifyBlobs} garbage blobs must answer 404 and ${p.gc.verifyImages} kept images must pull.`,
    );
  }
  if (results.portal) {
    lines.push(
      `- Portal rows are Berth only (distribution has no portal): a project seeded with ${p.portal.repositories} repositories (blobs mounted, PUT manifest) and one repository of ${p.portal.artifacts} artifacts (PUT manifest by tag), then in Chromium (1280×800, signed in) each page loaded ${p.portal.warmUp} times untimed and ${p.portal.loads} times timed, from navigation to the first row of its table being visible; median (min–max). The slowest API request of each load (Resource Timing, median, as the browser saw it) bounds what one server answer adds; the page makes three or four in a row.`,
    );
  }
  if (results.vulndb) {
    lines.push(
      `- vulndb rows are Berth only and start no server: \`berth vulndb import\` (a process per run) on a zip of ${p.vulndb.records} generated OSV records (Debian, Alpine and GHSA-shaped; CVSS v2/v3.1/v4 vectors; 1–4 affected packages each), first into an empty database, then a zip of the same ids with a later \`modified\` (every record replaced). records/s is over the import time the command prints; the process time adds start-up and migrations. PostgreSQL runs only with --postgres (a fresh database on that server).`,
    );
  }
  if (results.scan) {
    const spec = p.scan.images[0];
    lines.push(
      `- scan rows are Berth only, on a Berth of its own started with the OSV fixtures of src/scan/vulndb/fixtures imported: images of 3 gzip layers (a Debian base with ${spec?.osPackages ?? 0} dpkg packages, shared libraries and ELF-headed executables; an npm tree of ${spec?.npmPackages ?? 0} packages with sources; assets), padding files half random, half text. Per repetition (${p.scan.reps}), \`zcat\` of the layer files to /dev/null, then POST …/scan and GET the artifact's scan overview every 20 ms until the report is done; medians. CPU is Berth's whole process (its inflate threads, the polls it answers) against zcat's user + system time. Peak RSS is Berth's (process tree), sampled every 100 ms during the scans.`,
    );
  }
  if (results.replicate) {
    const r = p.replicate;
    lines.push(
      `- replicate rows are on a Berth of its own (default job settings): ${r.images} images in ${r.repositories} repositories of one project, each ${r.layersPerImage} of ${r.baseLayers} shared ${mib(r.baseLayerSize)} base layers and a ${r.uniqueLayerSize / 1024} KiB layer of its own, pushed untimed. Per round (${r.rounds}, the order swapped each round), a fresh distribution (no auth) per side: Berth creates a registry endpoint and a manual push policy (name filter ${'`'}bench-repl/**${'`'}), and is timed from POST /replication/executions to the execution reading Succeed (polled every 50 ms); skopeo is timed over ${'`'}skopeo sync --src docker --dest docker --preserve-digests${'`'} of each repository in turn. Afterwards every image must be on the destination under its tag with its digest. Medians; CPU is Berth's process (and the skopeo processes').`,
    );
  }
  if (results.proxy) {
    const x = p.proxy;
    const measured = results.proxy.Berth;
    const freshness = measured && !('error' in measured) ? measured.proxy?.tagFreshnessSeconds : undefined;
    lines.push(
      `- proxy rows are on a Berth of its own with the default config (proxyCache.tagFreshnessSeconds ${freshness ?? '?'}: a tag pulled within that long after its last upstream check is served without asking the upstream, so the timed hits never go upstream). One image (config + layers of ${x.layerSizes.map((n) => `${n / 1024} KiB`).join(' and ')}) pushed into an ordinary project and to a distribution upstream (no auth) of a proxy-cache project; one pull warms the cache, the image is then an artifact of the proxy project. A pull is GET manifest by tag then GET each blob, on ${x.concurrency} keep-alive connections for ${x.seconds} s, local and proxy alternating (order swapped each round, ${x.rounds} rounds), then manifest GETs by tag alone for ${x.seconds / 2} s each; medians of the rounds. Berth's CPU per pull or request is its process's CPU time over the phase divided by what it served.`,
    );
  }
  if (results.redirect) {
    const r = p.redirect;
    lines.push(
      `- redirect rows are on two Berths of their own sharing one s3rver (its own process, named \`localhost\` while Berth is 127.0.0.1), each with its own key prefix and database; the second has storage.redirect. ${r.count} blobs of ${mib(r.size)} pushed untimed to each and pulled once each untimed, then per round (${r.rounds}, the order swapped each round) every blob GET once, c${r.concurrency}, on the lean GET loop: through Berth the body comes from Berth; redirected, Berth answers 307 and the client GETs the presigned Location from S3 on a connection of its own, without Authorization. Bytes from Berth are the response bodies the client got from it; "Berth wrote" is its process's /proc/<pid>/io wchar over the pull (sockets, log, database). s3rver (Node streams over files) serves the bytes in both modes and shares the cores with Berth and the client: the figures are for s3rver on this machine, not for a production S3.`,
    );
  }
  if (results.scale) {
    const x = p.scale;
    lines.push(
      `- scale rows are on Berths of their own (Berth column: the second configuration named, the other column: the first). Filesystem vs S3: one Berth each, ${x.push.count} blobs of ${mib(x.push.size)} pushed (POST + PUT) then pulled, c${x.push.concurrency}; the S3 is s3rver, a Node fake S3 on local disk in a process of its own behind a counting proxy, so S3 figures measure s3rver as much as Berth. 1 vs 2 instances (--postgres only): one PostgreSQL database and one shared blob directory, the same blob push and pull, then manifest GET by tag c${x.manifest.concurrency} for ${x.manifest.seconds} s; haproxy round robin, no stickiness. The client, haproxy and every Berth share this machine's cores, so a ratio near or under 1 shows the cost of the extra hop and process, not scaling. S3 requests are counted at the proxy per operation kind; PostgreSQL transactions are pg_stat_database.xact_commit + xact_rollback of the bench database over ${x.countImages} small-image pushes and ${x.countManifestGets} manifest GETs (one at a time; a statement outside a transaction counts as one), minus the idle count of an equally long window.`,
    );
  }
  if (servers.length > 0) {
    lines.push('- distribution never fsyncs blobs; Berth fsyncs unless --berth-no-fsync. `sync` runs before each timed workload, outside the timing.');
  }
  for (const n of notes) lines.push(`- ${n}`);
  return lines.join('\n');
}

/** The classic chart repository's index.yaml: first build, cached, rebuilt after an upload; Berth only. */
function chartIndexRows(results: Results, plan: ChartIndexPlan): string[] {
  const o = results.chartindex?.Berth;
  if (!o) return [];
  if ('error' in o) return [`| chart index.yaml, ${plan.versions} versions | error | n/a (no Helm repository) | — | |`];
  const rows = o.detail ? [`| chart index seed: ${o.detail}, c${plan.seedConcurrency} | — | n/a (Berth only) | — | |`] : [];
  for (const e of o.endpoints ?? []) {
    rows.push(`| chart ${e.label} (ms p50 / p95 / p99) | ${e.p50Ms.toFixed(2)} / ${e.p95Ms.toFixed(2)} / ${e.p99Ms.toFixed(2)} | n/a (no Helm repository) | — | |`);
  }
  return rows;
}

/** One row per listing endpoint (p50 / p95 / p99) and one for the seeding; Berth only. */
function listingRows(results: Results, plan: ListingPlan): string[] {
  const o = results.listing?.Berth;
  if (!o) return [];
  if ('error' in o)
    return [
      `| listing ${plan.artifacts} artifacts / ${plan.artifacts * plan.tagsPerArtifact} tags | error | n/a (no such API) | — | p50 < ${LISTING_TARGET_MS} ms — missed |`,
    ];
  const rows: string[] = [];
  if (o.seed) {
    const rate = o.seed.puts / o.seed.seconds;
    rows.push(
      `| listing seed: ${o.seed.artifacts} artifacts, ${o.seed.tags} tags by PUT manifest, c${plan.seedConcurrency} (s; ${rate.toFixed(0)} PUT/s) | ${o.seed.seconds.toFixed(1)} | n/a (Berth only) | — | |`,
    );
  }
  for (const e of o.endpoints ?? []) {
    const met = e.p50Ms < LISTING_TARGET_MS ? 'met' : 'missed';
    rows.push(
      `| listing: ${e.label} (ms p50 / p95 / p99) | ${e.p50Ms.toFixed(2)} / ${e.p95Ms.toFixed(2)} / ${e.p99Ms.toFixed(2)} | n/a (no such API) | — | p50 < ${LISTING_TARGET_MS} ms — ${met} |`,
    );
  }
  return rows;
}

/** GC over the seeded store: seeding, GC time and what it freed, pushes during GC; Berth only. */
function gcRows(results: Results, plan: GcPlan): string[] {
  const o = results.gc?.Berth;
  if (!o) return [];
  const target = `≥${GC_PUSH_TARGET * 100}% of pushes without GC`;
  if ('error' in o) return [`| GC over ${plan.blobs} blobs (10% garbage) under push load | error | n/a (offline GC only) | — | ${target} — missed |`];
  const g = o.gc;
  if (!g) return [];
  const share = g.during / g.baseline;
  const failed = g.failedPushes ? `, ${g.failedPushes} pushes failed` : '';
  return [
    `| gc seed: ${g.blobs} blobs in ${g.images} images, ${g.garbageImages} deleted, c${plan.seedConcurrency} (s; ${(g.seedRequests / g.seedSeconds).toFixed(0)} req/s) | ${g.seedSeconds.toFixed(1)} | n/a (Berth only) | — | |`,
    `| GC over ${g.blobs} blobs, ${g.garbageBlobs} garbage (${(g.garbageBytes / MiB).toFixed(1)} MiB) + ${g.garbageImages} manifests (s; freed ${g.purgedBlobs} blobs + ${g.purgedManifests} manifests, ${(g.freedBytes / MiB).toFixed(1)} MiB) | ${g.gcSeconds.toFixed(2)} | n/a (offline GC only) | — | |`,
    `| pushes during GC, ${plan.pushers} pushers (% of ${g.baseline.toFixed(1)} images/s without GC; ${g.during.toFixed(1)} images/s over ${g.duringSeconds.toFixed(1)} s${failed}) | ${(share * 100).toFixed(0)}% | n/a | — | ${target} — ${share >= GC_PUSH_TARGET && !g.failedPushes ? 'met' : 'missed'} |`,
  ];
}

/** One row per portal page (median, min–max of warm loads) and one for the seeding; Berth only. */
function portalRows(results: Results, plan: PortalPlan): string[] {
  const o = results.portal?.Berth;
  if (!o) return [];
  const target = `< ${PORTAL_TARGET_MS} ms`;
  if ('error' in o) return [`| portal pages, ${plan.repositories} repositories / ${plan.artifacts} artifacts | error | n/a (no portal) | — | ${target} — missed |`];
  const rows: string[] = [];
  if (o.portalSeed) {
    const seed = o.portalSeed;
    rows.push(
      `| portal seed: ${seed.repositories} repositories + ${seed.artifacts} artifacts through the registry API, c${plan.seedConcurrency} (s; ${(seed.requests / seed.seconds).toFixed(0)} req/s) | ${seed.seconds.toFixed(1)} | n/a (Berth only) | — | |`,
    );
  }
  for (const page of o.pages ?? []) {
    rows.push(
      `| portal: ${page.label}, navigation to first rows (ms, median (min–max) of ${page.loads}; slowest API request ${page.apiMs.toFixed(0)} ms) | ${page.medianMs.toFixed(0)} (${page.minMs.toFixed(0)}–${page.maxMs.toFixed(0)}) | n/a (no portal) | — | ${target} — ${page.medianMs < PORTAL_TARGET_MS ? 'met' : 'missed'} |`,
    );
  }
  return rows;
}

/** Per database: first import and update, records/s against the floor, and the import process's peak RSS; Berth only. */
function vulnDbRows(results: Results, plan: VulnDbPlan): string[] {
  const o = results.vulndb?.Berth;
  if (!o) return [];
  if ('error' in o) return [`| vulndb import, ${plan.records} OSV records | error | n/a (Berth only) | — | |`];
  return (o.vulndb?.imports ?? []).map((run) => {
    const rate = run.records / run.importSeconds;
    const target = VULNDB_TARGETS[run.database];
    const what = run.kind === 'first' ? 'into an empty database' : 'again, every record newer (replaced)';
    return `| vulndb import, ${run.records} OSV records from a zip ${what}, ${run.database} (records/s; ${run.importSeconds.toFixed(1)} s, process ${run.wallSeconds.toFixed(1)} s, peak RSS ${(run.peakRss / MiB).toFixed(0)} MiB) | ${rate.toFixed(0)} | n/a (Berth only) | — | ≥${target} records/s — ${rate >= target ? 'met' : 'missed'} |`;
  });
}

/** Berth's replication against skopeo sync: median times, CPU, and the ratio against the target. */
function replicateRows(results: Results, plan: ReplicatePlan): string[] {
  const o = results.replicate?.Berth;
  if (!o) return [];
  const target = `≤${REPLICATE_TARGET_RATIO}× (Berth time / skopeo time)`;
  if ('error' in o) return [`| replication of ${plan.images} images vs skopeo sync | error | n/a | — | ${target} — missed |`];
  const f = o.replicate;
  if (!f) return [];
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
  const berth = med(f.rounds.map((r) => r.berthSeconds));
  const skopeo = med(f.rounds.map((r) => r.skopeoSeconds));
  const ratio = berth / skopeo;
  const runs = f.rounds.map((r) => `${r.berthSeconds.toFixed(1)}/${r.skopeoSeconds.toFixed(1)}`).join(', ');
  return [
    `| replication of ${f.images} images in ${f.repositories} repositories (${(f.uniqueBytes / MiB).toFixed(0)} MiB distinct, ${(f.logicalBytes / MiB).toFixed(0)} MiB as listed) to a fresh distribution: Berth push policy vs skopeo sync (s, median of ${f.rounds.length}; rounds Berth/skopeo ${runs}; CPU Berth ${med(f.rounds.map((r) => r.berthCpu)).toFixed(2)} s vs skopeo ${med(f.rounds.map((r) => r.skopeoCpu)).toFixed(2)} s + Berth serving it ${med(f.rounds.map((r) => r.berthCpuDuringSkopeo)).toFixed(2)} s) | ${berth.toFixed(2)} | skopeo ${skopeo.toFixed(2)} | ${ratio.toFixed(2)}× | ${target} — ${ratio <= REPLICATE_TARGET_RATIO ? 'met' : 'missed'} |`,
    `| images pushed into Berth before the rounds (s, untimed setup) | ${f.pushSeconds.toFixed(1)} | n/a | — | |`,
  ];
}

/** Proxy-cache hits against local pulls: p50 / p95 per pull, manifest and blob, pulls/s, and Berth's CPU per pull. */
function proxyRows(results: Results, plan: ProxyPlan): string[] {
  const o = results.proxy?.Berth;
  if (!o) return [];
  const target = `≤${PROXY_TARGET_RATIO}× local p50`;
  if ('error' in o) return [`| proxy-cache hit vs local pull, c${plan.concurrency} | error | n/a | — | ${target} — missed |`];
  const f = o.proxy;
  if (!f) return [];
  type Round = ProxyFigures['rounds'][number];
  const med = (pick: (r: Round) => number): number => [...f.rounds.map(pick)].sort((a, b) => a - b)[Math.floor((f.rounds.length - 1) / 2)] ?? NaN;
  const pull = `pull (manifest by tag + ${f.blobsPerPull} blobs, ${(f.bytesPerPull / 1024).toFixed(0)} KiB), c${plan.concurrency}`;
  const rows: Array<[string, keyof PullFigures, number]> = [
    [`proxy-cache hit ${pull}: p50 latency (ms, median of ${f.rounds.length} rounds; ratio: median of the rounds' ratios)`, 'pullP50', 2],
    [`proxy-cache hit ${pull}: p95 latency (ms)`, 'pullP95', 2],
    ['proxy-cache hit: manifest GET by tag p50 (ms)', 'manifestP50', 2],
    ['proxy-cache hit: manifest GET by tag p95 (ms)', 'manifestP95', 2],
    ['proxy-cache hit: blob GET p50 (ms)', 'blobP50', 2],
    ['proxy-cache hit: blob GET p95 (ms)', 'blobP95', 2],
    ['proxy-cache hit: pulls/s (higher is better)', 'pullsPerSecond', 0],
    ["proxy-cache hit: Berth's CPU per pull (ms; other load on the cores barely moves it)", 'serverCpuMsPerPull', 3],
  ];
  const pullRows = rows.map(([what, key, digits]) => {
    const ratio = med((r) => r.proxy[key] / r.local[key]);
    const verdict = key === 'pullP50' ? `${target} — ${ratio <= PROXY_TARGET_RATIO ? 'met' : 'missed'}` : '';
    return `| ${what} | ${med((r) => r.proxy[key]).toFixed(digits)} | local ${med((r) => r.local[key]).toFixed(digits)} | ${ratio.toFixed(2)}× | ${verdict} |`;
  });
  const manifestRows: Array<[string, keyof ManifestFigures, number, number]> = [
    [`proxy-cache hit: manifest GET by tag alone, c${plan.concurrency} (req/s, higher is better)`, 'requestsPerSecond', 0, 1],
    ['proxy-cache hit: manifest GET by tag alone, p50 (ms)', 'p50', 2, 1],
    ['proxy-cache hit: manifest GET by tag alone, p99 (ms)', 'p99', 2, 1],
    ["proxy-cache hit: manifest GET by tag alone, Berth's CPU per request (µs)", 'serverCpuMsPerRequest', 0, 1000],
  ];
  return [
    ...pullRows,
    ...manifestRows.map(([what, key, digits, scale]) => {
      const ratio = med((r) => r.manifests.proxy[key] / r.manifests.local[key]);
      return `| ${what} | ${(med((r) => r.manifests.proxy[key]) * scale).toFixed(digits)} | local ${(med((r) => r.manifests.local[key]) * scale).toFixed(digits)} | ${ratio.toFixed(2)}× | |`;
    }),
  ];
}

/** Blob pulls through Berth against redirected to S3: MiB/s, bytes Berth sent, CPU. */
function redirectRows(results: Results, plan: RedirectPlan): string[] {
  const o = results.redirect?.Berth;
  if (!o) return [];
  const what = `blob pull ${plan.count}×${mib(plan.size)} from Berth on S3 (s3rver), c${plan.concurrency}`;
  if ('error' in o) return [`| ${what}, redirected vs through Berth | error | n/a | — | |`];
  const f: RedirectFigures | undefined = o.redirect;
  if (!f) return [];
  type Pull = RedirectFigures['rounds'][number]['through'];
  const med = (pick: (r: Pull) => number, mode: 'through' | 'redirect'): number =>
    [...f.rounds.map((r) => pick(r[mode]))].sort((a, b) => a - b)[Math.floor((f.rounds.length - 1) / 2)] ?? NaN;
  const row = (label: string, pick: (r: Pull) => number, digits: number, ratio = true): string => {
    const redirected = med(pick, 'redirect');
    const through = med(pick, 'through');
    return `| ${label} | ${redirected.toFixed(digits)} | through Berth ${through.toFixed(digits)} | ${ratio ? `${(redirected / through).toFixed(2)}×` : '—'} | |`;
  };
  const runs = f.rounds.map((r) => `${r.redirect.mibPerSecond.toFixed(0)}/${r.through.mibPerSecond.toFixed(0)}`).join(', ');
  const ratios = f.rounds.map((r) => r.redirect.mibPerSecond / r.through.mibPerSecond).sort((a, b) => a - b);
  const ratio = ratios[Math.floor((ratios.length - 1) / 2)] ?? NaN;
  return [
    `| ${what}: redirected vs through Berth (MiB/s, medians of ${f.rounds.length} rounds, redirected/through ${runs}; ratio: median of the rounds' ratios) | ${med((r) => r.mibPerSecond, 'redirect').toFixed(0)} | through Berth ${med((r) => r.mibPerSecond, 'through').toFixed(0)} | ${ratio.toFixed(2)}× | |`,
    row('… response bodies from Berth (MiB)', (r) => r.berthBodyBytes / MiB, 3, false),
    row('… bytes Berth wrote, sockets and all (MiB, /proc wchar)', (r) => r.berthWrittenBytes / MiB, 2, false),
    row("… Berth's CPU (s)", (r) => r.berthCpuSeconds, 2),
    row("… s3rver's CPU (s)", (r) => r.s3CpuSeconds, 2),
  ];
}

/** Per image: scan time against zcat's (target ≤ 1.5×), and Berth's peak RSS; then whether the peak grows with the image. */
function scanRows(results: Results, plan: ScanPlan): string[] {
  const o = results.scan?.Berth;
  if (!o) return [];
  if ('error' in o)
    return [`| scan of a ${plan.images[0]?.label ?? ''} image vs zcat of its layers | error | n/a (Berth only) | — | ≤${SCAN_TARGET_RATIO}× — missed |`];
  const images = o.scan?.images ?? [];
  const rows = images.map((i) => {
    const ratio = i.scanSeconds / i.zcatSeconds;
    return `| scan through the API, ${(i.compressedBytes / MiB).toFixed(0)} MiB image (${(i.tarBytes / MiB).toFixed(0)} MiB of tar, ${i.entries} entries, ${i.packages} packages, ${i.vulnerabilities} vulnerabilities) vs zcat of its layers (s; CPU ${i.scanCpuSeconds.toFixed(2)} s vs zcat's ${i.zcatCpuSeconds.toFixed(2)} s, ${(i.scanCpuSeconds / i.zcatCpuSeconds).toFixed(2)}×; peak RSS ${(i.peakRss / MiB).toFixed(0)} MiB from ${(i.startRss / MiB).toFixed(0)}) | ${i.scanSeconds.toFixed(2)} | zcat ${i.zcatSeconds.toFixed(2)} | ${ratio.toFixed(2)}× | ≤${SCAN_TARGET_RATIO}× — ${ratio <= SCAN_TARGET_RATIO ? 'met' : 'missed'} |`;
  });
  const [big, small] = images;
  if (big && small) {
    const growth = (big.peakRss - small.peakRss) / MiB;
    const step = (big.compressedBytes - small.compressedBytes) / MiB;
    rows.push(
      `| scan peak RSS, ${(small.compressedBytes / MiB).toFixed(0)} → ${(big.compressedBytes / MiB).toFixed(0)} MiB image (MiB) | ${(small.peakRss / MiB).toFixed(0)} → ${(big.peakRss / MiB).toFixed(0)} | n/a | — | flat: < +${(step / 4).toFixed(0)} MiB (holding the image would add ${step.toFixed(0)}) — ${growth < step / 4 ? 'met' : 'missed'} |`,
    );
  }
  const vulndb = o.scan?.vulndb;
  // A handful of fixture records: too few for a rate (the vulndb workload measures that).
  if (vulndb) rows.push(`| OSV fixtures imported before the scans (records; s) | ${vulndb.records}; ${vulndb.seconds.toFixed(1)} | n/a | — | |`);
  return rows;
}

/** Filesystem against S3, 1 against 2 instances, and the per-operation counts. */
function scaleRows(results: Results): string[] {
  const o = results.scale?.Berth;
  if (!o) return [];
  if ('error' in o) return [`| scale (filesystem vs S3, 1 vs 2 instances) | error: ${o.error} | | — | |`];
  const f = o.scale;
  if (!f) return [];
  const rows: string[] = [];
  const pair = (what: string, a: number | undefined, b: number | undefined, aName: string, bName: string, digits: number): void => {
    if (a === undefined || b === undefined) return;
    rows.push(`| ${what} | ${bName} ${b.toFixed(digits)} | ${aName} ${a.toFixed(digits)} | ${(b / a).toFixed(2)}× | |`);
  };
  const [fs, s3] = f.storage;
  if (fs && s3) {
    pair(`scale: blob push (MiB/s), ${fs.label} vs ${s3.label}`, fs.pushMiBs, s3.pushMiBs, fs.short, s3.short, 0);
    pair(`scale: blob pull (MiB/s), ${fs.label} vs ${s3.label}`, fs.pullMiBs, s3.pullMiBs, fs.short, s3.short, 0);
  }
  const [direct, lbOne, lbTwo] = f.instances;
  for (const [a, b] of [
    [direct, lbOne],
    [lbOne, lbTwo],
  ] as const) {
    if (!a || !b) continue;
    const names = `${a.label} vs ${b.label}`;
    pair(`scale: blob push (MiB/s), ${names}`, a.pushMiBs, b.pushMiBs, a.short, b.short, 0);
    pair(`scale: blob pull (MiB/s), ${names}`, a.pullMiBs, b.pullMiBs, a.short, b.short, 0);
    pair(`scale: manifest GET (req/s), ${names}`, a.manifestPerSecond, b.manifestPerSecond, a.short, b.short, 0);
  }
  for (const [what, counts] of Object.entries(f.s3PerOperation)) {
    const total = Object.values(counts).reduce((n, v) => n + v, 0);
    const detail = Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    rows.push(`| scale: S3 requests per ${what} | ${total.toFixed(1)} (${detail}) | n/a | — | |`);
  }
  for (const [what, n] of Object.entries(f.dbPerOperation)) rows.push(`| scale: PostgreSQL transactions per ${what} | ${n.toFixed(1)} | n/a | — | |`);
  for (const note of f.notes) rows.push(`| scale: ${note} | | | | |`);
  return rows;
}
