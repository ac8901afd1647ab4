/**
 * Starting and stopping the two servers on loopback, and watching their memory.
 *
 * Each server gets a fresh temp directory (data, config, log) that is removed on stop, so a
 * run never depends on, or leaves behind, state from another.
 */
import pg from 'pg';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DISTRIBUTION_BIN = '/usr/bin/docker-registry';
export const USERNAME = 'admin';
export const PASSWORD = 'bench-Passw0rd';

export interface Server {
  /** distribution-noauth is the reference run that shows what the bcrypt check costs. */
  name: 'Berth' | 'distribution' | 'distribution-noauth';
  baseUrl: string;
  pid: number;
  /** How auth is set up, for the notes under the table. */
  authNote: string;
  dir: string;
  log: string;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Any HTTP answer from GET /v2/ means the server is up; polled, bounded by time. */
async function waitReady(baseUrl: string, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready; log:\n${tail(log)}`);
    }
    const status = await new Promise<number>((res) => {
      const req = http.get(`${baseUrl}/v2/`, { agent: false, timeout: 1000 }, (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => res(0));
    });
    if (status > 0) return;
    await sleep(100);
  }
  throw new Error(`server not ready after ${timeoutMs} ms; log:\n${tail(log)}`);
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Every server process and temp dir we made, until stopped: an interrupt at any moment
 * (even mid-startup, before a Server object exists) must leave nothing behind.
 */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Map<string, boolean>();

/** Synchronous last resort, for process 'exit': SIGKILL what is left, remove temp dirs. */
export function killLeftovers(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const [dir, keep] of liveDirs) if (!keep) rmSync(dir, { recursive: true, force: true });
}

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  liveChildren.add(child);
  child.on('exit', () => liveChildren.delete(child));
  child.on('error', () => undefined);
  return child;
}

/** SIGTERM, then SIGKILL after 5 s; then the temp dir goes (unless kept for a post-mortem). */
function stopper(child: ChildProcess, dir: string, keep: boolean): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
}

/**
 * A bcrypt htpasswd line. `htpasswd -nbB` when apache2-utils is there; otherwise perl's
 * crypt(), which on Debian is libxcrypt and knows bcrypt. Cost 5 is htpasswd -B's default,
 * i.e. what the distribution docs' `htpasswd -Bbn` produces; distribution checks it on
 * every request, so the cost is part of what is being measured.
 */
export function htpasswdLine(user: string, password: string): string | undefined {
  const viaHtpasswd = spawnSync('htpasswd', ['-nbB', '-C', '5', user, password], { encoding: 'utf8' });
  if (viaHtpasswd.status === 0 && viaHtpasswd.stdout.includes(':$2')) return viaHtpasswd.stdout.trim();
  const salt = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)))
    .toString('base64')
    .replace(/\+/g, '.')
    .slice(0, 22);
  const viaPerl = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (viaPerl.status === 0 && /^\$2b\$05\$.{53}$/.test(viaPerl.stdout)) return `${user}:${viaPerl.stdout}`;
  return undefined;
}

/** Where the servers' temp dirs go (data included): the OS temp dir unless --data-root says. */
export interface Placement {
  keep: boolean;
  dataRoot?: string | undefined;
  /** Extra node arguments for Berth (`--cpu-prof --cpu-prof-dir=…`, `--trace-gc`), before its script. */
  nodeArgs?: string[];
}

function tempDir(p: Placement, name: string): string {
  const dir = mkdtempSync(join(p.dataRoot ?? tmpdir(), `berth-bench-${name}-`));
  liveDirs.set(dir, p.keep);
  return dir;
}

export async function startDistribution(p: Placement, auth = true): Promise<Server> {
  const dir = tempDir(p, 'distribution');
  const port = await freePort();
  const line = auth ? htpasswdLine(USERNAME, PASSWORD) : undefined;
  let authBlock = '';
  let authNote = auth ? 'NO AUTH (could not make a bcrypt htpasswd: neither htpasswd nor perl crypt worked)' : 'no auth (reference)';
  if (line) {
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    authBlock = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(dir, 'htpasswd')}\n`;
    authNote = 'htpasswd, bcrypt cost 5, Basic on every request';
  }
  // Access log off and level error: Berth runs at warn, and neither should pay for logging.
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: berth-bench-secret
${authBlock}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const log = join(dir, 'server.log');
  const child = launch(DISTRIBUTION_BIN, ['serve', join(dir, 'config.yml')], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, dir, log);
  const stop = stopper(child, dir, p.keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(baseUrl, child, log, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: auth ? 'distribution' : 'distribution-noauth', baseUrl, pid: child.pid ?? 0, authNote, dir, log, stop };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The environment and node flags `bin/berth.js` gives itself in its `#!/usr/bin/env -S [NAME=value…] node …`
 * line, so that a Berth started here as `node dist/main.js` runs with the memory settings of an installed `berth`.
 */
export function berthLaunchSettings(root: string): { env: Record<string, string>; flags: string[] } {
  const bin = join(root, 'bin', 'berth.js');
  if (!existsSync(bin)) return { env: {}, flags: [] };
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\S*env -S((?:\s+[A-Z_][A-Z0-9_]*=\S*)*)\s+node((?:\s+--\S+)*)\s*$/.exec(shebang);
  const assignments = match?.[1]?.trim() ?? '';
  const flags = match?.[2]?.trim() ?? '';
  const env = Object.fromEntries(
    (assignments === '' ? [] : assignments.split(/\s+/)).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return { env, flags: flags === '' ? [] : flags.split(/\s+/) };
}

/**
 * How to run Berth: dist/main.js, rebuilt first when missing or older than src/; if the
 * build fails, straight from source through tsx.
 * With the environment and node flags of bin/berth.js, then `nodeArgs`.
 */
export function berthCommand(root: string, log: (line: string) => void, nodeArgs: string[] = []): { args: string[]; env: Record<string, string>; note: string } {
  const launch = berthLaunchSettings(root);
  // The caller's node arguments come after bin/berth.js's flags, so they override them.
  const flags = [...launch.flags, ...nodeArgs];
  const env = launch.env;
  const shownEnv = Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const shown = flags.length > 0 ? ` ${flags.join(' ')}` : '';
  const dist = join(root, 'dist', 'main.js');
  const src = join(root, 'src', 'main.ts');
  if (!existsSync(src) && !existsSync(dist)) throw new Error('neither src/main.ts nor dist/main.js exists yet');
  const stale = !existsSync(dist) || (existsSync(src) && statSync(dist).mtimeMs < newestMtime(join(root, 'src')));
  if (stale && existsSync(src)) {
    log('building Berth (npm run build)…');
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    if (build.status !== 0) {
      log(`build failed, running from source with tsx:\n${(build.stdout + build.stderr).trim().split('\n').slice(-10).join('\n')}`);
      return { args: [...flags, '--import', 'tsx', src], env, note: `${shownEnv}node${shown} --import tsx src/main.ts (build failed)` };
    }
  }
  return { args: [...flags, dist], env, note: `${shownEnv}node${shown} dist/main.js` };
}

/**
 * `extraEnv`: BERTH_* settings for one workload's dedicated server (e.g. gc's 0-minute grace window).
 * `prepare`: runs before the server starts, with its data dir, environment and node arguments (e.g. a `berth vulndb
 * import`, which needs the embedded database the running server would hold).
 */
export async function startBerth(
  root: string,
  p: Placement,
  fsync: boolean,
  log: (line: string) => void,
  postgres?: string,
  extraEnv: Record<string, string> = {},
  prepare?: (dataDir: string, env: NodeJS.ProcessEnv, args: string[]) => Promise<void>,
): Promise<Server> {
  const { args, env: launchEnv, note } = berthCommand(root, log, p.nodeArgs);
  const dir = tempDir(p, 'berth');
  // A config file, not BERTH_STORAGE_FSYNC=false: z.coerce.boolean() reads the string "false" as true.
  const extra: string[] = [];
  if (!fsync) {
    writeFileSync(join(dir, 'berth.yaml'), 'storage:\n  fsync: false\n');
    extra.push('--config', join(dir, 'berth.yaml'));
  }
  const port = await freePort();
  // Drop the caller's BERTH_* variables: Berth rejects unknown ones and they would skew the run.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_')));
  Object.assign(env, {
    BERTH_ADMIN_PASSWORD: PASSWORD,
    BERTH_LOG_LEVEL: 'warn',
    BERTH_SERVER_HOST: '127.0.0.1',
    // One address asks as fast as it can: a benchmark measures throughput, not the request rate limits.
    BERTH_RATELIMIT_API_PER_CLIENT: '0',
    BERTH_RATELIMIT_API_PER_ACCOUNT: '0',
    BERTH_RATELIMIT_TOKEN_PER_CLIENT: '0',
    BERTH_RATELIMIT_TOKEN_PER_ACCOUNT: '0',
    BERTH_RATELIMIT_LOGIN_PER_CLIENT: '0',
    BERTH_RATELIMIT_LOGIN_PER_ACCOUNT: '0',
    NODE_ENV: 'production',
    ...launchEnv,
    ...extraEnv,
  });
  if (postgres) env.BERTH_DATABASE_URL = await freshDatabase(postgres);
  const logFile = join(dir, 'server.log');
  if (prepare) await prepare(join(dir, 'data'), env, args);
  const child = launch(process.execPath, [...args, 'serve', '--port', String(port), '--data-dir', join(dir, 'data'), ...extra], env, resolve(root), logFile);
  const stop = stopper(child, dir, p.keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(baseUrl, child, logFile, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const database = postgres ? 'PostgreSQL' : 'SQLite';
  return { name: 'Berth', baseUrl, pid: child.pid ?? 0, authNote: `token auth, ${database}, fsync ${fsync ? 'on' : 'off'} (${note})`, dir, log: logFile, stop };
}

/** s3rver's built-in account; it checks request signatures against these keys. */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  /** The endpoint as Berth and clients name it: `localhost`, another host name than Berth's 127.0.0.1. */
  endpoint: string;
  bucket: string;
  pid: number;
  stop: () => Promise<void>;
}

/**
 * An S3 endpoint (s3rver, in a process of its own so that it does not share the client's event
 * loop) on 127.0.0.1, with one bucket, keeping its objects in a temp dir.
 */
export async function startS3rver(root: string, p: Placement): Promise<S3Server> {
  const dir = tempDir(p, 's3');
  const port = await freePort();
  const bucket = 'berth';
  const bin = join(root, 'node_modules', 's3rver', 'bin', 's3rver.js');
  const args = [bin, '--directory', join(dir, 'data'), '--address', '127.0.0.1', '--port', String(port), '--silent', '--configure-bucket', bucket];
  const log = join(dir, 's3rver.log');
  const child = launch(process.execPath, args, { PATH: process.env.PATH ?? '/usr/bin:/bin' }, dir, log);
  const stop = stopper(child, dir, p.keep);
  const endpoint = `http://localhost:${port}`;
  try {
    await waitReady(endpoint, child, log, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, bucket, pid: child.pid ?? 0, stop };
}

/** Bytes a process has handed to write(2) and friends (sockets included), from /proc/<pid>/io. */
export function writtenBytes(pid: number): number {
  try {
    const m = /^wchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m?.[1] ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** A new, empty database on the server `url` points at, so runs never see each other's data. */
export async function freshDatabase(url: string): Promise<string> {
  const name = `berth_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/** Drops a database `freshDatabase` made (unless the run is kept for a post-mortem). */
export async function dropDatabase(url: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^berth_bench_\d+$/.test(name)) throw new Error(`not a bench database: ${name}`);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await admin.end();
  }
}

/** RSS of a process and all its descendants, in bytes (0 once it is gone). */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += m?.[1] ? Number(m[1]) * 1024 : 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) total += treeRss(Number(child));
    }
  } catch {
    // The process (or a thread) went away between reads: count what we saw.
  }
  return total;
}

/** CPU seconds (user + system) a process has used; Linux USER_HZ is 100. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Samples VmRSS every 100 ms; `mark()` starts a new window, `peak()` is its maximum. */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private max = 0;
  private start = 0;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  private sample(): number {
    const rss = treeRss(this.pid);
    if (rss > this.max) this.max = rss;
    return rss;
  }

  /** Begins a window; returns the RSS at its start. */
  mark(): number {
    this.start = this.sample();
    this.max = this.start;
    return this.start;
  }

  /** Peak RSS since mark() (sampled once more now so a short window is not missed). */
  peak(): { peak: number; start: number } {
    this.sample();
    return { peak: this.max, start: this.start };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
