/**
 * Scale-out figures, on Berths of their own:
 *
 * 1. storage: Berth on the filesystem against Berth on S3, blob push and blob pull. The S3 is
 *    s3rver (a Node fake S3 on local disk, in a process of its own behind a counting proxy), so
 *    the S3 figures measure s3rver as much as Berth.
 * 2. instances (with --postgres only): one Berth against two behind haproxy (round robin), both on
 *    one PostgreSQL database and one shared blob directory: blob push, blob pull and manifest GET.
 *    The client, haproxy and every Berth share the machine's cores, so on a small machine the
 *    ratio shows the overhead of the extra hop and process, not scaling.
 * 3. counts for a capacity estimate: S3 requests per blob pushed (monolithic and chunked), per blob
 *    pulled, per small image pushed and per manifest GET (counted at the proxy); and, with
 *    --postgres, PostgreSQL transactions per small image pushed and per manifest GET
 *    (pg_stat_database.xact_commit of the bench database: every statement outside a transaction
 *    counts as one; the idle rate of the same window length is subtracted).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { RegistryClient } from './client.js';
import { MiB } from './data.js';
import { cpuSeconds, dropDatabase, freePort, freshDatabase, PASSWORD, sleep, startBerth, USERNAME, type Placement, type Server } from './servers.js';
import { blobPull, blobPush, blobSpecs, chunkedPush, manifestGet, pushImage, smallImages, type Measured } from './workloads.js';

export interface ScalePlan {
  push: { count: number; size: number; concurrency: number };
  manifest: { concurrency: number; seconds: number; maxRequests: number };
  /** Small images pushed, and manifest GETs made, for the per-operation counts. */
  countImages: number;
  countManifestGets: number;
}

export interface ThroughputFigures {
  label: string;
  /** A few characters for the table's cells. */
  short: string;
  pushMiBs: number;
  pullMiBs: number;
  manifestPerSecond?: number;
  manifestP99Ms?: number;
  /** CPU seconds of every Berth process over the three phases. */
  serverCpu?: number;
}

export interface ScaleFigures {
  storage: ThroughputFigures[];
  instances: ThroughputFigures[];
  /** S3 operations per unit of work (operation → count). */
  s3PerOperation: Record<string, Record<string, number>>;
  /** PostgreSQL transactions per unit of work. */
  dbPerOperation: Record<string, number>;
  notes: string[];
}

type Log = (line: string) => void;

const HAPROXY_BIN = '/usr/sbin/haproxy';

/** The fake S3 (s3rver behind a counting proxy) in a child process. */
interface CountingS3 {
  endpoint: string;
  bucket: string;
  counts(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startCountingS3(root: string): Promise<CountingS3> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 's3-server.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it listened`)));
  });
  const { endpoint, bucket } = JSON.parse(line) as { endpoint: string; bucket: string };
  return {
    endpoint,
    bucket,
    counts: async () => (await (await fetch(`${endpoint}/__bench/counts`)).json()) as Record<string, number>,
    reset: async () => void (await fetch(`${endpoint}/__bench/reset`, { method: 'POST' })),
    stop: async () => {
      process.off('exit', reap);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function s3Env(s3: CountingS3): Record<string, string> {
  return {
    BERTH_STORAGE_DRIVER: 's3',
    BERTH_STORAGE_S3_BUCKET: s3.bucket,
    BERTH_STORAGE_S3_ENDPOINT: s3.endpoint,
    BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
    BERTH_STORAGE_S3_ACCESS_KEY_ID: 'S3RVER',
    BERTH_STORAGE_S3_SECRET_ACCESS_KEY: 'S3RVER',
    BERTH_STORAGE_S3_ROOT_DIRECTORY: 'registry',
  };
}

/** haproxy (round robin, health-checked on /readyz) in front of `servers`, as the README shows. */
async function startHaproxy(servers: Server[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-haproxy-'));
  const port = await freePort();
  const config = `global
    maxconn 1024
defaults
    mode http
    timeout connect 2s
    timeout client 300s
    timeout server 300s
    retries 2
    option redispatch
frontend registry
    bind 127.0.0.1:${port}
    option forwardfor
    default_backend berth
backend berth
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    timeout check 2s
    default-server inter 1s fall 2 rise 2
${servers.map((s, i) => `    server berth${i + 1} ${new URL(s.baseUrl).host} check`).join('\n')}
`;
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const fd = openSync(join(dir, 'haproxy.log'), 'a');
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  const url = `http://127.0.0.1:${port}`;
  // Ready once every instance answers through it (the health checks need a rise of 2).
  await sleep(2500);
  for (let i = 0; i < 50; i++) {
    const status = await fetch(`${url}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401 || status === 200) break;
    await sleep(200);
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      process.off('exit', reap);
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function client(baseUrl: string, repo: string, maxSockets: number): Promise<RegistryClient> {
  const c = new RegistryClient({ baseUrl, username: USERNAME, password: PASSWORD, repository: `library/${repo}`, maxSockets });
  await c.login();
  return c;
}

const cpuOf = (pids: number[]): number => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);

/** Blob push, blob pull (the pushed blobs) and, optionally, manifest GET by tag, through `baseUrl`. */
async function throughput(
  label: string,
  short: string,
  baseUrl: string,
  pids: number[],
  plan: ScalePlan,
  withManifest: boolean,
  log: Log,
): Promise<ThroughputFigures> {
  const repo = `scale-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  const c = await client(baseUrl, repo, plan.push.concurrency);
  const cpu0 = cpuOf(pids);
  try {
    const specs = blobSpecs(repo, plan.push.count, plan.push.size);
    spawnSync('sync', { timeout: 60_000 });
    const push = await blobPush(c, specs, plan.push.concurrency);
    const pull = await blobPull(c, specs, plan.push.concurrency);
    let manifest: Measured | undefined;
    if (withManifest) {
      await pushImage(c, 'scale-manifest', 'latest');
      manifest = await manifestGet(c, 'latest', plan.manifest.concurrency, plan.manifest.seconds, plan.manifest.maxRequests);
    }
    const figures: ThroughputFigures = {
      label,
      short,
      pushMiBs: push.value,
      pullMiBs: pull.value,
      manifestPerSecond: manifest?.value,
      manifestP99Ms: manifest?.p99Ms,
      serverCpu: cpuOf(pids) - cpu0,
    };
    log(
      `  [scale] ${label}: push ${push.value.toFixed(0)} MiB/s, pull ${pull.value.toFixed(0)} MiB/s` +
        (manifest ? `, manifest GET ${manifest.value.toFixed(0)} req/s (p99 ${manifest.p99Ms?.toFixed(1)} ms)` : '') +
        `, Berth CPU ${figures.serverCpu?.toFixed(1)} s`,
    );
    return figures;
  } finally {
    c.close();
  }
}

/** Counts S3 requests per operation kind, through `c`, on a server whose S3 is `s3`. */
async function s3Counts(c: RegistryClient, s3: CountingS3, log: Log): Promise<Record<string, Record<string, number>>> {
  const per = async (label: string, n: number, fn: () => Promise<unknown>): Promise<Record<string, number>> => {
    await sleep(300);
    await s3.reset();
    await fn();
    await sleep(300);
    const counts = await s3.counts();
    const scaled = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round((v / n) * 100) / 100]));
    log(`  [scale] S3 requests per ${label}: ${JSON.stringify(scaled)}`);
    return scaled;
  };
  const n = 10;
  const blobs = blobSpecs('s3count', n, MiB);
  const chunked = blobSpecs('s3count-chunked', n, 3 * MiB);
  return {
    'blob push (1 MiB, monolithic POST + PUT)': await per('blob push', n, () => blobPush(c, blobs, 1)),
    'blob push (3 MiB, chunked: POST, 3 PATCH of 1 MiB, PUT)': await per('chunked blob push', n, () => chunkedPush(c, chunked, MiB, 1)),
    'blob pull (GET)': await per('blob pull', n, () => blobPull(c, blobs, 1)),
    'small image push (HEAD, POST, PUT per blob; PUT manifest)': await per('small image push', n, () => smallImages(c, 's3count-image', n, 1)),
    'manifest GET by tag': await per('manifest GET', 100, () => manifestGet(c, 's3count-image-0', 1, 30, 100)),
  };
}

/** PostgreSQL transactions committed in the bench database. */
async function commits(adminUrl: string, databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const r = await admin.query<{ n: string }>('select xact_commit + xact_rollback as n from pg_stat_database where datname = $1', [name]);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await admin.end();
  }
}

/**
 * Transactions per operation: the work's window (plus 11 s for the backends to flush their
 * statistics, which PostgreSQL 15 does within 10 s of going idle) minus an idle window of the
 * same length, divided by the operations.
 */
async function dbCounts(c: RegistryClient, adminUrl: string, databaseUrl: string, plan: ScalePlan, log: Log): Promise<Record<string, number>> {
  const FLUSH_MS = 11_000;
  const layers = blobSpecs('dbcount-blob', plan.countImages, 64 * 1024);
  await blobPush(c, layers, 4);
  const per = async (label: string, n: number, fn: () => Promise<unknown>): Promise<number> => {
    await sleep(FLUSH_MS);
    const c0 = await commits(adminUrl, databaseUrl);
    const t0 = Date.now();
    await fn();
    await sleep(FLUSH_MS);
    const c1 = await commits(adminUrl, databaseUrl);
    const window = Date.now() - t0;
    await sleep(window);
    const c2 = await commits(adminUrl, databaseUrl);
    const value = (c1 - c0 - (c2 - c1)) / n;
    log(`  [scale] PostgreSQL transactions per ${label}: ${value.toFixed(1)} (${c1 - c0} in the work's window, ${c2 - c1} idle in as long)`);
    return Math.round(value * 10) / 10;
  };
  return {
    'small image push (config + 64 KiB layer + manifest, 7 requests)': await per('small image push', plan.countImages, () =>
      smallImages(c, 'dbcount', plan.countImages, 1),
    ),
    'manifest GET by tag': await per('manifest GET', plan.countManifestGets, () => manifestGet(c, 'dbcount-0', 1, 60, plan.countManifestGets)),
    // blobPull fetches one blob a second time, hashed, to check the bytes: n + 1 GETs.
    'blob GET (64 KiB)': await per('blob GET', plan.countImages + 1, () => blobPull(c, layers, 1)),
  };
}

export async function scaleFigures(
  root: string,
  plan: ScalePlan,
  placement: Placement,
  fsync: boolean,
  postgres: string | undefined,
  log: Log,
): Promise<ScaleFigures> {
  const figures: ScaleFigures = { storage: [], instances: [], s3PerOperation: {}, dbPerOperation: {}, notes: [] };
  const database = postgres ? 'PostgreSQL' : 'SQLite';

  // 1. Filesystem against S3, one Berth each.
  {
    const fs = await startBerth(root, placement, fsync, log, postgres);
    try {
      figures.storage.push(await throughput(`filesystem, ${database}`, 'fs', fs.baseUrl, [fs.pid], plan, false, log));
    } finally {
      await fs.stop();
    }
    const s3 = await startCountingS3(root);
    try {
      const onS3 = await startBerth(root, placement, fsync, log, postgres, s3Env(s3));
      try {
        figures.storage.push(await throughput(`S3 (s3rver), ${database}`, 'S3', onS3.baseUrl, [onS3.pid], plan, false, log));
        const c = await client(onS3.baseUrl, 'scale-counts', 1);
        try {
          figures.s3PerOperation = await s3Counts(c, s3, log);
        } finally {
          c.close();
        }
      } finally {
        await onS3.stop();
      }
    } finally {
      await s3.stop();
    }
  }

  // 2. One instance against two behind haproxy, on PostgreSQL and one shared blob directory.
  if (!postgres) {
    figures.notes.push('1 vs 2 instances and the PostgreSQL counts need --postgres: skipped');
    return figures;
  }
  const shared = mkdtempSync(join(placement.dataRoot ?? tmpdir(), 'berth-bench-shared-'));
  try {
    const databaseUrl = await freshDatabase(postgres);
    const env = {
      BERTH_DATABASE_URL: databaseUrl,
      BERTH_SECRET_KEY: 'bench-instances-share-this-secret-key-of-32+-characters',
      BERTH_STORAGE_ROOT_DIRECTORY: shared,
    };
    const one = await startBerth(root, placement, fsync, log, undefined, env);
    const servers = [one];
    try {
      figures.instances.push(await throughput('1 instance, direct', 'direct', one.baseUrl, [one.pid], plan, true, log));
      const c = await client(one.baseUrl, 'scale-db', 1);
      try {
        figures.dbPerOperation = await dbCounts(c, postgres, databaseUrl, plan, log);
      } finally {
        c.close();
      }
      const lbOne = await startHaproxy([one]);
      try {
        figures.instances.push(await throughput('1 instance behind haproxy', '1 via haproxy', lbOne.url, [one.pid], plan, true, log));
      } finally {
        await lbOne.stop();
      }
      servers.push(await startBerth(root, placement, fsync, log, undefined, env));
      const lb = await startHaproxy(servers);
      try {
        figures.instances.push(
          await throughput(
            '2 instances behind haproxy',
            '2 via haproxy',
            lb.url,
            servers.map((s) => s.pid),
            plan,
            true,
            log,
          ),
        );
      } finally {
        await lb.stop();
      }
    } finally {
      for (const s of servers) await s.stop();
      if (!placement.keep) await dropDatabase(postgres, databaseUrl).catch(() => undefined);
    }
  } finally {
    if (!placement.keep) rmSync(shared, { recursive: true, force: true });
  }
  return figures;
}
