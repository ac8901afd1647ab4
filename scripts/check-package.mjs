#!/usr/bin/env node
// What a user of the published package gets: `npm pack` this checkout, install the tarball into
// an empty folder (dependencies from the npm registry, nothing from this checkout), start the
// `berth` command it installs, and check that it serves, signs a user in and stops cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'berth-package-'));
const password = 'Package-check-1';

function step(what) {
  console.log(`check-package: ${what}`);
}

function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${result.status}`);
  return result.stdout;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitFor(url, deadline) {
  while (Date.now() < deadline) {
    try {
      return await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer in time`);
}

let server;
try {
  step('npm pack');
  // `npm pack` runs the build (prepare), whose lines come before the JSON on stdout.
  const out = run('npm', ['pack', '--json', '--pack-destination', work], root);
  const packed = JSON.parse(out.slice(out.search(/^\[/m)));
  const tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  for (const required of ['bin/berth.js', 'dist/main.js', 'dist/web/index.html', 'LICENSE', 'README.md', 'binding.gyp', 'native/build.mjs', 'native/sendfile.c']) {
    if (!files.includes(required)) throw new Error(`the package lacks ${required}`);
  }
  const strays = files.filter((f) => /^(src|test|bench|scripts)\/|\.test\.js$/.test(f));
  if (strays.length > 0) throw new Error(`the package carries files a user does not need: ${strays.slice(0, 5).join(', ')}`);
  step(`${packed[0].filename}: ${files.length} files, ${(packed[0].size / 1024).toFixed(0)} KiB`);

  const app = join(work, 'app');
  run('mkdir', ['-p', app]);
  // npm 11 runs a dependency's install script only when allowed: better-sqlite3 builds its native
  // module in one, and Berth its sendfile module (optional: Berth runs without it).
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'berth-install-check', private: true, allowScripts: { 'better-sqlite3': true, 'berth-registry': true } }),
  );
  step('npm install <tarball> into an empty folder');
  run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  const bin = join(app, 'node_modules', '.bin', 'berth');
  if (!existsSync(bin)) throw new Error('the package installed no berth command');
  const sendfileModule = join(app, 'node_modules', 'berth-registry', 'build', 'Release', 'berth_native.node');
  // Where a compiler is at hand (Linux, as in CI), the install builds it.
  if (process.platform === 'linux' && !existsSync(sendfileModule)) throw new Error('the install did not build the sendfile module');
  step(`berth --version: ${run(bin, ['--version'], app).trim()}`);

  const port = await freePort();
  const data = join(work, 'data');
  step(`berth serve on port ${port}`);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_'))),
    BERTH_ADMIN_PASSWORD: password,
    BERTH_LOG_LEVEL: 'warn',
  };
  server = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', data], { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const ping = await waitFor(`${base}/api/v2.0/ping`, Date.now() + 30_000);
  if (ping.status !== 200) throw new Error(`/api/v2.0/ping answered ${ping.status}`);
  const challenge = await fetch(`${base}/v2/`);
  if (challenge.status !== 401 || !/^Bearer /.test(challenge.headers.get('www-authenticate') ?? ''))
    throw new Error(`/v2/ answered ${challenge.status} without a Bearer challenge`);
  const portal = await fetch(`${base}/projects`, { headers: { accept: 'text/html' } });
  if (portal.status !== 200 || !(await portal.text()).includes('<div id="root">')) throw new Error(`the web portal answered ${portal.status}`);
  const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  const current = await fetch(`${base}/api/v2.0/users/current`, { headers: { authorization: auth } });
  if (current.status !== 200) throw new Error(`signing in as admin answered ${current.status}`);
  const library = await fetch(`${base}/api/v2.0/projects/library`, { headers: { authorization: auth } });
  if (library.status !== 200) throw new Error(`the library project answered ${library.status}`);
  if (!readdirSync(data).length) throw new Error('nothing was written to the data directory');

  step('SIGTERM');
  const exited = new Promise((done) => server.once('exit', (code, signal) => done({ code, signal })));
  server.kill('SIGTERM');
  const { code, signal } = await exited;
  server = undefined;
  if (code !== 0) throw new Error(`berth serve exited with ${code ?? signal} on SIGTERM`);
  step('ok');
} finally {
  server?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
