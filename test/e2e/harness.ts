/**
 * Shared plumbing for the end-to-end tests: a registry server on loopback, a way to run the
 * real Debian clients (skopeo, podman, buildah, umoci) with a timeout, and a private
 * configuration for those clients so that a test never reads or writes the host's
 * /etc/containers, /var/lib/containers or ~/.config.
 *
 * The server is Berth (`node --import tsx src/main.ts serve`). For checking the tests
 * themselves, E2E_TARGET=distribution runs the same tests against CNCF distribution
 * (`docker-registry`); tests of Berth-only behaviour are skipped then.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'e2e-Adm1n-passw0rd';
export const TARGET: 'berth' | 'distribution' = process.env.E2E_TARGET === 'distribution' ? 'distribution' : 'berth';
/** Set on tests that check Berth behaviour distribution does not have (projects, anonymous pull). */
export const BERTH_ONLY = TARGET === 'berth' ? false : 'Berth-only behaviour (E2E_TARGET=distribution)';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

// ---------------------------------------------------------------------------------------------
// Client binaries and skipping

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The `skip` option for a suite that needs these binaries. Outside CI a missing client skips
 * the suite with a reason; with CI=true it never skips, so the suite fails (see requireTools)
 * instead of passing silently on a machine that lacks the client.
 */
export function skipUnlessTools(...bins: string[]): string | false {
  const missing = bins.filter((b) => !onPath(b));
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `missing client binaries: ${missing.join(', ')} (apt-get install them; see test/e2e/README.md)`;
}

/** Throws (failing the suite) when a binary is missing: called from `before`. */
export function requireTools(...bins: string[]): void {
  const missing = bins.filter((b) => !onPath(b));
  if (missing.length > 0) throw new Error(`missing client binaries: ${missing.join(', ')}; see test/e2e/README.md`);
}

// ---------------------------------------------------------------------------------------------
// Temp dirs, ports, processes

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `berth-e2e-${prefix}-`));
}

export function removeDir(dir: string): void {
  if (process.env.E2E_KEEP === '1') return;
  rmSync(dir, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing when the command fails. */
  allowFail?: boolean;
}

/** Runs a command to completion; throws with its stderr on a non-zero exit unless allowFail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 90_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 };
      const line = `${cmd} ${args.join(' ')}`;
      if (timedOut) reject(new Error(`timed out after ${timeoutMs} ms: ${line}\n${result.stderr}`));
      else if (result.code !== 0 && !opts.allowFail) {
        reject(new Error(`exit ${code ?? signal}: ${line}\n--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`));
      } else resolve(result);
    });
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Any HTTP status from GET /v2/ means the server is listening (401 is the usual answer). */
function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    // Readiness only: whether the certificate is right is for the tests to check.
    const get = url.startsWith('https:')
      ? (u: string, o: https.RequestOptions, cb: (res: http.IncomingMessage) => void) => https.get(u, { ...o, rejectUnauthorized: false }, cb)
      : http.get;
    const req = get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

// ---------------------------------------------------------------------------------------------
// The registry server

export class RegistryServer {
  private child: ChildProcess | undefined;
  readonly host: string;
  readonly url: string;
  readonly log: string;
  readonly dataDir: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly scheme: 'http' | 'https',
  ) {
    this.host = `127.0.0.1:${port}`;
    this.url = `${scheme}://${this.host}`;
    this.log = join(dir, 'server.log');
    this.dataDir = join(dir, 'data');
  }

  /** A fresh server in a fresh temp dir on a free loopback port. */
  /** Extra `BERTH_*` settings for Berth, kept across restarts. */
  private extraEnv: Record<string, string> = {};

  static async start(env: Record<string, string> = {}): Promise<RegistryServer> {
    const server = new RegistryServer(makeTempDir(`server`), await freePort(), env.BERTH_SERVER_TLS_CERT ? 'https' : 'http');
    server.extraEnv = env;
    if (TARGET === 'distribution') server.writeDistributionConfig();
    await server.launch();
    return server;
  }

  private command(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string } {
    if (TARGET === 'distribution') {
      return { cmd: 'docker-registry', args: ['serve', join(this.dir, 'config.yml')], env: { PATH: process.env.PATH }, cwd: this.dir };
    }
    if (!existsSync(join(REPO_ROOT, 'src', 'main.ts'))) throw new Error(`no server to test: ${join(REPO_ROOT, 'src', 'main.ts')} is missing`);
    // Berth refuses unknown BERTH_* variables, so the caller's are dropped.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_')));
    // E2E_LOG_LEVEL=debug (with E2E_KEEP=1) leaves a full server log behind for a post-mortem.
    const level = process.env.E2E_LOG_LEVEL ?? 'warn';
    Object.assign(env, { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LOG_LEVEL: level, BERTH_SERVER_HOST: '127.0.0.1' }, this.extraEnv);
    const args = ['--import', 'tsx', 'src/main.ts', 'serve', '--port', String(this.port), '--data-dir', this.dataDir];
    return { cmd: process.execPath, args, env, cwd: REPO_ROOT };
  }

  /** The server's process id while it runs, to read its memory from /proc. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    const { cmd, args, env, cwd } = this.command();
    const fd = openSync(this.log, 'a');
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', () => undefined);
    this.child = child;
    // A test process that exits without reaching `after` (a timeout, a crash) takes it along.
    const reap = (): void => void child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(this.log)}`);
      }
      if ((await probe(`${this.url}/v2/`)) > 0) return;
      await sleep(100);
    }
    child.kill('SIGKILL');
    throw new Error(`server not ready after 60 s:\n${tail(this.log)}`);
  }

  private exited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((r) => child.once('exit', () => r()));
  }

  /** Sends a signal (SIGHUP: read the certificate again). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Everything the server wrote to stdout and stderr so far. */
  output(): string {
    return readFileSync(this.log, 'utf8');
  }

  /** A crash: SIGKILL, no chance to flush or clean up. */
  async kill(): Promise<void> {
    const done = this.exited();
    this.child?.kill('SIGKILL');
    await done;
  }

  /** Starts again on the same data dir and port (after kill()), with `env` added to its settings. */
  async restart(env: Record<string, string> = {}): Promise<void> {
    Object.assign(this.extraEnv, env);
    await this.kill();
    await this.launch();
  }

  /** SIGTERM (SIGKILL after 5 s), then the temp dir goes. */
  async stop(): Promise<void> {
    const done = this.exited();
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
    removeDir(this.dir);
  }

  private writeDistributionConfig(): void {
    // A bcrypt htpasswd line via perl's crypt() (libxcrypt knows $2b$), so apache2-utils is not needed.
    const salt = createHash('sha256')
      .update(String(Math.random()))
      .digest('base64')
      .replace(/[^A-Za-z0-9]/g, '.')
      .slice(0, 22);
    const hash = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', ADMIN_PASSWORD, `$2b$05$${salt}`], { encoding: 'utf8' }).stdout;
    writeFileSync(join(this.dir, 'htpasswd'), `${ADMIN_USER}:${hash}\n`);
    writeFileSync(
      join(this.dir, 'config.yml'),
      `version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: ${this.dataDir} }, delete: { enabled: true } }
http: { addr: "${this.host}", secret: e2e }
auth: { htpasswd: { realm: basic-realm, path: ${join(this.dir, 'htpasswd')} } }
`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// A private configuration for the containers tools

/**
 * Everything skopeo/podman/buildah would otherwise take from the host: storage (vfs under a
 * temp dir, so no overlay/fuse is needed), registries.conf marking the test registry insecure
 * (plain HTTP), a permissive signature policy, and the auth file that `login` writes.
 *
 * Not every tool reads every environment variable in Debian's versions (skopeo 1.9 and
 * buildah 1.28 ignore CONTAINERS_REGISTRIES_CONF), so each tool also gets explicit flags.
 */
export class ClientEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly authFile: string;
  readonly policy: string;
  readonly registriesConf: string;
  private readonly storageRoot: string;
  private readonly runRoot: string;

  constructor(
    readonly dir: string,
    readonly registryHost: string,
    /** false: the registry serves HTTPS and its certificate must verify (no insecure entry in registries.conf). */
    insecure = true,
  ) {
    const home = join(dir, 'home');
    const configDir = join(home, '.config', 'containers');
    this.storageRoot = join(dir, 'storage');
    this.runRoot = join(dir, 'run', 'storage');
    for (const d of [configDir, this.storageRoot, this.runRoot, join(dir, 'tmp'), join(dir, 'podman-tmp')]) mkdirSync(d, { recursive: true });

    // $HOME/.config/containers/policy.json is consulted before /etc/containers/policy.json,
    // so no global file has to exist; skopeo also gets --policy.
    this.policy = join(configDir, 'policy.json');
    writeFileSync(this.policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    this.registriesConf = join(dir, 'registries.conf');
    writeFileSync(this.registriesConf, `unqualified-search-registries = []\n\n[[registry]]\nlocation = "${registryHost}"\ninsecure = ${insecure}\n`);
    const storageConf = join(dir, 'storage.conf');
    writeFileSync(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${this.storageRoot}"\nrunroot = "${this.runRoot}"\n`);
    // podman refuses to run when REGISTRY_AUTH_FILE names a file that does not exist.
    this.authFile = join(dir, 'auth.json');
    writeFileSync(this.authFile, JSON.stringify({ auths: {} }));

    this.env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_RUNTIME_DIR: join(dir, 'run'),
      TMPDIR: join(dir, 'tmp'),
      REGISTRY_AUTH_FILE: this.authFile,
      CONTAINERS_STORAGE_CONF: storageConf,
      CONTAINERS_REGISTRIES_CONF: this.registriesConf,
      REGISTRIES_CONFIG_PATH: this.registriesConf,
    };
  }

  /** The auth file as the tools wrote it. */
  auths(): Record<string, unknown> {
    const parsed = JSON.parse(readFileSync(this.authFile, 'utf8')) as { auths?: Record<string, unknown> };
    return parsed.auths ?? {};
  }

  skopeo(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('skopeo', ['--policy', this.policy, ...args], { env: this.env, ...opts });
  }

  private storageFlags(): string[] {
    return ['--root', this.storageRoot, '--runroot', this.runRoot, '--storage-driver', 'vfs'];
  }

  buildah(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('buildah', [...this.storageFlags(), '--registries-conf', this.registriesConf, ...args], { env: this.env, ...opts });
  }

  podman(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    // podman takes registries.conf from REGISTRIES_CONFIG_PATH; events and libpod state stay in the temp dir.
    const flags = [...this.storageFlags(), '--tmpdir', join(this.dir, 'podman-tmp'), '--events-backend', 'none', '--cgroup-manager', 'cgroupfs'];
    return run('podman', [...flags, ...args], { env: this.env, ...opts });
  }

  umoci(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('umoci', args, { env: this.env, ...opts });
  }
}

// ---------------------------------------------------------------------------------------------
// Test images, made offline

export interface LayoutManifest {
  digest: string;
  size: number;
  mediaType: string;
}

/** The manifest (or index) a tag in an OCI layout points at. */
export function layoutRef(layout: string, tag: string): LayoutManifest {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<LayoutManifest & { annotations?: Record<string, string> }>;
  };
  const found = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!found) throw new Error(`tag ${tag} not in ${layout}/index.json`);
  return found;
}

export const blobPath = (layout: string, digest: string): string => join(layout, 'blobs', ...digest.split(':'));

export const readBlob = (layout: string, digest: string): Buffer => readFileSync(blobPath(layout, digest));

/** Writes bytes as a blob of an OCI layout and describes it. */
export function writeBlob(layout: string, data: Buffer, mediaType: string): LayoutManifest {
  const digest = `sha256:${sha256(data)}`;
  writeFileSync(blobPath(layout, digest), data);
  return { digest, size: data.length, mediaType };
}

/**
 * Writes an OCI layout holding one single-layer image of `layer` (an uncompressed tar, stored
 * gzipped) under `tag`, without any image tool; answers the manifest's descriptor. Debian's umoci
 * writes layers whose tar ends without its padding, which tests about something else avoid.
 */
export function writeImageLayout(layout: string, tag: string, layer: Buffer): LayoutManifest {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layer)}`] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: writeBlob(layout, config, 'application/vnd.oci.image.config.v1+json'),
      layers: [writeBlob(layout, gzipSync(layer), 'application/vnd.oci.image.layer.v1.tar+gzip')],
    }),
  );
  const top = writeBlob(layout, manifest, 'application/vnd.oci.image.manifest.v1+json');
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return top;
}

/** Every blob reachable from a manifest or index in a layout, by digest, with its bytes. */
export function reachableBlobs(layout: string, root: string): Map<string, Buffer> {
  const seen = new Map<string, Buffer>();
  const visit = (digest: string): void => {
    if (seen.has(digest)) return;
    const bytes = readBlob(layout, digest);
    seen.set(digest, bytes);
    const doc = tryJson(bytes);
    // Only manifests and indexes (schemaVersion 2) point further; an image config has a
    // `config` member too, but it is not a descriptor.
    if (doc?.schemaVersion !== 2) return;
    for (const child of [...(doc.manifests ?? []), ...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) visit(child.digest);
  };
  visit(root);
  return seen;
}

interface Descriptorish {
  digest: string;
}
function tryJson(bytes: Buffer): { schemaVersion?: unknown; manifests?: Descriptorish[]; config?: Descriptorish; layers?: Descriptorish[] } | undefined {
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof doc === 'object' && doc !== null ? (doc as { manifests?: Descriptorish[] }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An OCI layout holding one single-arch image made by umoci: `files` (path in the image →
 * content) are inserted as one layer, and the config gets the given architecture.
 */
export async function umociImage(client: ClientEnv, layout: string, tag: string, files: Record<string, Buffer | string>, arch = 'amd64'): Promise<LayoutManifest> {
  if (!existsSync(join(layout, 'oci-layout'))) await client.umoci(['init', '--layout', layout]);
  await client.umoci(['new', '--image', `${layout}:${tag}`]);
  const root = mkdtempSync(join(client.dir, 'rootfs-'));
  chmodSync(root, 0o755); // becomes the image's `/`
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  // One `umoci insert` of the whole tree: one layer holding every file.
  await client.umoci(['insert', '--image', `${layout}:${tag}`, root, '/']);
  await client.umoci(['config', '--image', `${layout}:${tag}`, '--architecture', arch, '--os', 'linux']);
  // insert/config leave the superseded manifests and configs behind; drop them.
  await client.umoci(['gc', '--layout', layout]);
  rmSync(root, { recursive: true, force: true });
  return layoutRef(layout, tag);
}

/**
 * Tags an OCI image index over existing manifests of the layout. Written by hand (umoci has
 * no index command), with each child's platform taken from its config.
 */
export function writeIndex(layout: string, tag: string, children: LayoutManifest[]): LayoutManifest {
  const manifests = children.map((child) => {
    const manifest = JSON.parse(readBlob(layout, child.digest).toString('utf8')) as { config: { digest: string } };
    const config = JSON.parse(readBlob(layout, manifest.config.digest).toString('utf8')) as { architecture: string; os: string };
    return { ...child, platform: { architecture: config.architecture, os: config.os } };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  const desc = writeBlob(layout, index, 'application/vnd.oci.image.index.v1+json');
  const indexJson = join(layout, 'index.json');
  const top = JSON.parse(readFileSync(indexJson, 'utf8')) as { manifests: unknown[] };
  top.manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': tag } });
  writeFileSync(indexJson, JSON.stringify(top));
  return desc;
}
