import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CNCF distribution (Debian's docker-registry) started for a test. */
export interface Distribution {
  url: string;
  stop(): Promise<void>;
}

export interface DistributionOptions {
  /** htpasswd (Basic) authentication with this user. */
  user?: { name: string; password: string };
  /** Serve HTTPS with these PEM files. */
  tls?: { cert: string; key: string };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A bcrypt htpasswd line through perl's crypt() (libxcrypt knows $2b$). */
function htpasswdLine(user: string, password: string): string {
  const salt = createHash('sha256')
    .update(String(Math.random()))
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '.')
    .slice(0, 22);
  const hash = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' }).stdout;
  return `${user}:${hash}\n`;
}

export async function startDistribution(options: DistributionOptions = {}): Promise<Distribution> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-distribution-'));
  const host = `127.0.0.1:${await freePort()}`;
  const lines = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
    `http: { addr: "${host}", secret: registries-test${options.tls ? `, tls: { certificate: ${options.tls.cert}, key: ${options.tls.key} }` : ''} }`,
  ];
  if (options.user) {
    writeFileSync(join(dir, 'htpasswd'), htpasswdLine(options.user.name, options.user.password));
    lines.push(`auth: { htpasswd: { realm: basic-realm, path: ${join(dir, 'htpasswd')} } }`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH } });
  closeSync(log);
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once it accepts a connection (over TLS too: the handshake is not needed for that).
  const [hostname, port] = host.split(':');
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error('docker-registry did not start');
}
