/**
 * Scale-out plumbing for the end-to-end tests: N `berth serve` processes on one fresh PostgreSQL
 * database (created on BERTH_TEST_PG_URL's server, dropped afterwards) and one blob store (an
 * s3rver bucket, or a shared directory), optionally behind haproxy on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { S3RVER_KEYS, startTestS3, type TestS3 } from '../../src/testing/s3.js';
import { freePort, makeTempDir, RegistryServer, removeDir, skipUnlessTools, sleep, TARGET } from './harness.js';

export const PG_URL = process.env.BERTH_TEST_PG_URL;
export const HAPROXY_BIN = '/usr/sbin/haproxy';

/** The `skip` option of a scale-out suite: Berth only, PostgreSQL required (never skipped in CI), and the given clients. */
export function scaleOutSkip(...tools: string[]): string | false {
  if (TARGET !== 'berth') return 'Berth-only';
  if (!PG_URL && process.env.CI !== 'true') return 'BERTH_TEST_PG_URL is unset';
  return tools.length ? skipUnlessTools(...tools) : false;
}

export interface ScaleOutOptions {
  /** A short name for the temp dir and the database. */
  name: string;
  storage: 's3' | 'filesystem';
  instances?: number;
  /** Put haproxy (round robin, health-checked on /readyz) in front of the instances. */
  haproxy?: boolean;
  /** More BERTH_* settings for every instance. */
  env?: Record<string, string>;
}

export interface ScaleOut {
  instances: RegistryServer[];
  /** The load balancer, when asked for. */
  proxy: Haproxy | undefined;
  s3: TestS3 | undefined;
  databaseUrl: string;
  /** A temp dir for the test's own files, removed by stop(). */
  work: string;
  /** The settings every instance was started with. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const adminClient = (): pg.Client => new pg.Client({ connectionString: PG_URL });

/** Starts the database, the blob store, the instances (one after another) and haproxy. */
export async function startScaleOut(options: ScaleOutOptions): Promise<ScaleOut> {
  if (!PG_URL) throw new Error('BERTH_TEST_PG_URL must be set for this suite in CI');
  const databaseName = `berth_e2e_${options.name.replace(/[^a-z0-9]/g, '_')}_${Date.now()}_${process.pid}`;
  const client = adminClient();
  await client.connect();
  await client.query(`CREATE DATABASE ${databaseName}`);
  await client.end();
  const databaseUrl = new URL(PG_URL);
  databaseUrl.pathname = `/${databaseName}`;
  const work = makeTempDir(options.name);
  const state: ScaleOut = {
    instances: [],
    proxy: undefined,
    s3: undefined,
    databaseUrl: databaseUrl.toString(),
    work,
    env: {},
    async stop() {
      await state.proxy?.stop();
      for (const instance of state.instances) await instance.stop();
      await state.s3?.stop();
      removeDir(work);
      const admin = adminClient();
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await admin.end();
    },
  };
  try {
    const env: Record<string, string> = {
      BERTH_DATABASE_URL: state.databaseUrl,
      // Instances sharing a database share the key of its secrets (each has its own data directory).
      BERTH_SECRET_KEY: `${options.name}-instances-share-this-secret-key`,
    };
    if (options.storage === 's3') {
      state.s3 = await startTestS3();
      Object.assign(env, {
        BERTH_STORAGE_DRIVER: 's3',
        BERTH_STORAGE_S3_BUCKET: state.s3.bucket,
        BERTH_STORAGE_S3_ENDPOINT: state.s3.endpoint,
        BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
        BERTH_STORAGE_S3_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId,
        BERTH_STORAGE_S3_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey,
        BERTH_STORAGE_S3_ROOT_DIRECTORY: 'registry',
      });
    } else {
      env.BERTH_STORAGE_ROOT_DIRECTORY = join(work, 'blobs');
    }
    Object.assign(env, options.env);
    state.env = env;
    // One at a time: the first creates the schema and the admin; the others find them.
    for (let i = 0; i < (options.instances ?? 2); i++) state.instances.push(await RegistryServer.start(env));
    if (options.haproxy) state.proxy = await Haproxy.start(join(work, 'haproxy'), state.instances);
    return state;
  } catch (err) {
    await state.stop().catch(() => undefined);
    throw err;
  }
}

/** One server line of haproxy's `show stat`. */
export interface HaproxyServerStat {
  name: string;
  /** UP, DOWN, "UP 1/2" (going down), "DOWN 1/2" (coming up), MAINT … */
  status: string;
  /** Requests (sessions) it has been sent. */
  total: number;
}

/** The haproxy configuration the tests run (and the README shows): round robin, no stickiness. */
export function haproxyConfig(port: number, backends: Array<{ name: string; host: string }>, statsSocket: string): string {
  return `global
    maxconn 512
    stats socket ${statsSocket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 300s
    timeout server 300s
    # A connection refused by a dead instance is tried again on another one.
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
    # Checked every 500 ms (each check may take 2 s): down after 2 failures, back up after 2 successes.
    timeout check 2s
    default-server inter 500ms fall 2 rise 2
    # Which instance answered (for the tests; not needed in production).
    http-response set-header X-Berth-Instance %s
${backends.map((b) => `    server ${b.name} ${b.host} check`).join('\n')}
`;
}

/** haproxy in the foreground on a loopback port, in front of the given instances. */
export class Haproxy {
  readonly host: string;
  readonly url: string;
  readonly log: string;
  private readonly socket: string;
  readonly names: string[];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    names: string[],
  ) {
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.log = join(dir, 'haproxy.log');
    this.socket = join(dir, 'stats.sock');
    this.names = names;
  }

  static async start(dir: string, instances: RegistryServer[]): Promise<Haproxy> {
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const backends = instances.map((instance, i) => ({ name: `berth${i + 1}`, host: instance.host }));
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(port, backends, join(dir, 'stats.sock')));
    const fd = openSync(join(dir, 'haproxy.log'), 'a');
    const child = spawn(HAPROXY_BIN, ['-db', '-f', config], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', () => undefined);
    const reap = (): void => void child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    const proxy = new Haproxy(
      dir,
      port,
      child,
      backends.map((b) => b.name),
    );
    await proxy.waitFor((stats) => stats.every((s) => s.status === 'UP'), 30_000, 'every instance UP');
    return proxy;
  }

  /** The backend's servers as haproxy sees them now. */
  async stats(): Promise<HaproxyServerStat[]> {
    const csv = await this.command('show stat');
    const [header, ...rows] = csv.trim().split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const at = (name: string): number => columns.indexOf(name);
    return rows
      .map((row) => row.split(','))
      .filter((f) => f[at('pxname')] === 'berth' && f[at('svname')] !== 'BACKEND' && f[at('svname')] !== 'FRONTEND')
      .map((f) => ({ name: f[at('svname')] ?? '', status: f[at('status')] ?? '', total: Number(f[at('stot')]) }));
  }

  /** Polls stats() until `ok` holds; throws after `timeoutMs`. Answers how long it took (ms). */
  async waitFor(ok: (stats: HaproxyServerStat[]) => boolean, timeoutMs: number, what: string): Promise<number> {
    const started = Date.now();
    let last: HaproxyServerStat[] = [];
    while (Date.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) throw new Error(`haproxy exited (${this.child.exitCode}):\n${readFileSync(this.log, 'utf8')}`);
      try {
        last = await this.stats();
        if (last.length > 0 && ok(last)) return Date.now() - started;
      } catch {
        // The stats socket is not there yet.
      }
      await sleep(50);
    }
    throw new Error(`haproxy: not ${what} after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const conn = net.createConnection(this.socket, () => conn.end(`${line}\n`));
      conn.setTimeout(2000, () => conn.destroy(new Error('stats socket timed out')));
      conn.on('data', (c: Buffer) => out.push(c));
      conn.on('error', reject);
      conn.on('close', () => resolve(Buffer.concat(out).toString('utf8')));
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** An uncompressed tar (ustar) of regular files, for a layer that podman can unpack. */
export function tarOf(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write(
      `${Math.floor(Date.UTC(2024, 0, 1) / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
      'ascii',
    );
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
