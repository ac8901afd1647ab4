import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ids, runAnalyzer } from './fixtures/analyze.js';
import { npmAnalyzer } from './npm.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

interface LockEntry {
  version?: string;
  license?: string;
  link?: boolean;
}

describe('npm analyzer', () => {
  it("reads this repository's installed node_modules as npm recorded them in package-lock.json", () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    let compared = 0;
    for (const [where, entry] of Object.entries(lock.packages)) {
      // Top-level installs only (nested copies are the same files again); optional platform packages may be absent.
      if (!where.startsWith('node_modules/') || where.indexOf('node_modules/', 1) !== -1 || entry.link === true || entry.version === undefined) continue;
      const file = join(REPO_ROOT, where, 'package.json');
      if (!existsSync(file)) continue;
      const name = where.slice('node_modules/'.length);
      const found = runAnalyzer(npmAnalyzer, `app/${where}/package.json`, readFileSync(file));
      assert.notEqual(found, 'not wanted');
      assert.deepEqual(ids(found), [`${name}@${entry.version}`], where);
      if (found !== 'not wanted' && typeof entry.license === 'string') assert.deepEqual(found[0]?.licenses, [entry.license], where);
      compared++;
    }
    assert.ok(compared > 100, `only ${compared} installed packages compared`);
  });

  it('writes purls with the scope encoded and SemVer build metadata escaped', () => {
    const scoped = runAnalyzer(npmAnalyzer, 'usr/lib/node_modules/@types/node/package.json', readFileSync(join(REPO_ROOT, 'node_modules/@types/node/package.json')));
    assert.notEqual(scoped, 'not wanted');
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version;
    assert.equal(scoped !== 'not wanted' && scoped[0]?.purl, `pkg:npm/%40types/node@${version}`);
    const built = runAnalyzer(npmAnalyzer, 'node_modules/x/package.json', Buffer.from('{"name":"x","version":"1.0.0+build.5","license":{"type":"MIT"}}'));
    assert.deepEqual(built, [
      { type: 'npm', name: 'x', version: '1.0.0+build.5', purl: 'pkg:npm/x@1.0.0%2Bbuild.5', path: 'node_modules/x/package.json', licenses: ['MIT'] },
    ]);
  });

  it("reports an application's own package.json with a name and version, as Trivy does in images", () => {
    const app = runAnalyzer(npmAnalyzer, 'srv/app/package.json', Buffer.from(JSON.stringify({ name: 'shop-frontend', version: '2.3.0', private: true })));
    assert.deepEqual(ids(app), ['shop-frontend@2.3.0']);
  });

  it('skips package.json files without a name or version, malformed ones, and other files', () => {
    assert.deepEqual(runAnalyzer(npmAnalyzer, 'app/package.json', Buffer.from('{"private":true,"workspaces":["packages/*"]}')), []);
    assert.deepEqual(runAnalyzer(npmAnalyzer, 'app/node_modules/a/package.json', Buffer.from('{"name":"a"}')), []);
    assert.deepEqual(runAnalyzer(npmAnalyzer, 'app/node_modules/a/package.json', Buffer.from('{"name":"a","version":7}')), []);
    assert.deepEqual(runAnalyzer(npmAnalyzer, 'app/node_modules/a/package.json', Buffer.from('{"name":"a","version":"1.0.0",')), []);
    assert.deepEqual(runAnalyzer(npmAnalyzer, 'app/node_modules/a/package.json', Buffer.from('[1,2,3]')), []);
    assert.deepEqual(runAnalyzer(npmAnalyzer, 'app/node_modules/@/package.json', Buffer.from('{"name":"@/x","version":"1.0.0"}')), []);
    assert.equal(runAnalyzer(npmAnalyzer, 'app/package-lock.json', Buffer.from('{}')), 'not wanted');
  });
});
