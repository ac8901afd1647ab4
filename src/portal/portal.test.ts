import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const INDEX = '<!doctype html><title>Berth portal build</title><script type="module" src="/assets/index-abc123.js"></script>';

/** A stand-in build: the routes serve whatever is in the directory, so the test need not run vite. */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-portal-'));
  writeFileSync(join(root, 'secret.txt'), 'outside the build');
  const dir = join(root, 'web');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("portal")');
  return dir;
}

const [sqlite] = testDialects();

describe('the web portal at / with a build', () => {
  let server: TestServer;
  let build: string;

  before(async () => {
    build = fakeBuild();
    server = await startTestServer(sqlite!, { portal: { directory: build } });
  });
  after(async () => {
    await server.close();
    rmSync(join(build, '..'), { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache, and hashed assets as immutable', async () => {
    const page = await fetch(`${server.url}/`, { headers: HTML });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(await page.text(), INDEX);
    const asset = await fetch(`${server.url}/assets/index-abc123.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  it('answers a client-side route a browser asks for with the app page', async () => {
    for (const path of ['/projects', '/projects/3/repositories?page=2', '/sign-in']) {
      const res = await fetch(`${server.url}${path}`, { headers: HTML });
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), INDEX, path);
    }
  });

  it('keeps the JSON 404s of unknown API and registry paths, even for a browser', async () => {
    const api = await fetch(`${server.url}/api/v2.0/no-such-thing`, { headers: HTML });
    assert.equal(api.status, 404);
    assert.match((await api.json()).errors[0].message, /no-such-thing was not found/);
    const registry = await fetch(`${server.url}/v2/no/such/thing`, { headers: HTML });
    assert.equal(registry.status >= 400 && registry.status < 500, true);
    assert.match(registry.headers.get('content-type') ?? '', /json/);
    for (const path of ['/c/nothing', '/service/nothing', '/chartrepo/x', '/assets/missing.js']) {
      const res = await fetch(`${server.url}${path}`, { headers: HTML });
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /json/, path);
    }
  });

  it('answers a script (not asking for HTML) with a 404, not the page', async () => {
    const res = await fetch(`${server.url}/projects`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 404);
  });

  it('serves no file outside the build directory', async () => {
    for (const path of ['/assets/..%2f..%2fsecret.txt', '/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const res = await fetch(`${server.url}${path}`, { headers: HTML });
      const body = await res.text();
      assert.ok(res.status === 404 || body === INDEX, `${path} answered ${res.status}`);
      assert.doesNotMatch(body, /root:|outside the build/, path);
    }
  });
});

describe('the web portal at / without a build', () => {
  let server: TestServer;
  let empty: string;

  before(async () => {
    empty = mkdtempSync(join(tmpdir(), 'berth-no-portal-'));
    server = await startTestServer(sqlite!, { portal: { directory: empty } });
  });
  after(async () => {
    await server.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('says plainly at / that the portal is not built, and the API still answers', async () => {
    const res = await fetch(`${server.url}/`, { headers: HTML });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await res.text(), /web portal is not built.*npm run build/);
    assert.equal((await fetch(`${server.url}/api/v2.0/ping`)).status, 200);
  });
});
