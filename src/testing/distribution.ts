/**
 * CNCF distribution (Debian's `docker-registry`, 2.8) on a free loopback port, for tests that
 * need another registry than Berth: anonymous, or with htpasswd (Basic) authentication.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { freePort, sleep } from '../../test/e2e/harness.js';

export interface DistributionServer {
  /** `http://127.0.0.1:<port>`, or `https://` when started with TLS */
  readonly url: string;
  readonly host: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** A bcrypt htpasswd line through perl's crypt() (libxcrypt knows `$2b$`, which distribution accepts). */
export function htpasswdLine(user: string, password: string): string {
  const salt = createHash('sha256')
    .update(String(Math.random()))
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '.')
    .slice(0, 22);
  const hash = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' }).stdout;
  if (!hash.startsWith('$2b$')) throw new Error('perl crypt() made no bcrypt hash');
  return `${user}:${hash}\n`;
}

export async function startDistribution(
  options: { basicAuth?: { username: string; password: string }; tls?: { cert: string; key: string } } = {},
): Promise<DistributionServer> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-distribution-'));
  const host = `127.0.0.1:${await freePort()}`;
  const auth = options.basicAuth ? `auth: { htpasswd: { realm: basic-realm, path: ${join(dir, 'htpasswd')} } }\n` : '';
  if (options.basicAuth) writeFileSync(join(dir, 'htpasswd'), htpasswdLine(options.basicAuth.username, options.basicAuth.password));
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }
http: { addr: "${host}", secret: registry-client-test${options.tls ? `, tls: { certificate: ${options.tls.cert}, key: ${options.tls.key} }` : ''} }
${auth}`,
  );
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH } });
  closeSync(log);
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  for (let i = 0; i < 150; i++) {
    // Plain HTTP to a TLS port still gets an answer (400): enough to know it listens.
    const status = await fetch(`http://${host}/v2/`).then(
      (res) => res.status,
      () => 0,
    );
    if (status > 0) break;
    await sleep(100);
  }
  return {
    url,
    host,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
