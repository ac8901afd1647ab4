import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../platform/config/load.js';
import type { Database } from '../../platform/db/index.js';
import { testDialects } from '../../testing/dialects.js';
import { FIXTURES, fixtureFiles, fixtureZip } from './fixtures.suite.js';
import { updateFromSources, vulnDbStatus, vulnDbTasks, VULNDB_UPDATE_TASK } from './index.js';
import { runBerth } from '../../testing/cli.js';

const berth = runBerth;

describe('berth vulndb (the real command, embedded database)', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-vulndb-cli-'));
    writeFileSync(join(dataDir, 'osv.zip'), fixtureZip());
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('imports a directory and a zip with progress lines and a summary, then reports the counts', async () => {
    const run = await berth(['vulndb', 'import', FIXTURES, join(dataDir, 'osv.zip'), '--data-dir', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const n = fixtureFiles().length;
    assert.match(run.stderr, new RegExp(`^vulndb import: ${n * 2} documents to read$`, 'm'));
    assert.match(run.stderr, new RegExp(`^vulndb import: done, imported ${n}, updated 0, unchanged ${n}, invalid 0$`, 'm'));
    assert.match(run.stdout, new RegExp(`^imported ${n}, updated 0, unchanged ${n}, invalid 0 in [0-9.]+ s$`, 'm'));
    const status = await berth(['vulndb', 'status', '--data-dir', dataDir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^${n} advisories \\(0 withdrawn, not matched\\)$`, 'm'));
    assert.match(status.stdout, /^ {2}Debian:12\t3$/m);
    assert.match(status.stdout, /^last import .* \(0\.0 days ago\)/m);
  });

  it('fails on a path that does not exist, importing the rest', async () => {
    const run = await berth(['vulndb', 'import', join(dataDir, 'nothing-here'), join(FIXTURES, 'ghsa'), '--data-dir', dataDir]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /not read: .*nothing-here: no such file or directory/);
    assert.match(run.stdout, /^imported 0, updated 0, unchanged 5, invalid 0/m);
  });
});

for (const dialect of testDialects()) {
  describe(`vulndb update from a local HTTP server (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let server: Server;
    let base: string;
    const zip = Buffer.from(fixtureZip());

    before(async () => {
      ({ database, cleanup } = await dialect.open());
      server = createServer((req, res) => {
        if (req.url === '/all.zip') res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
        else if (req.url === '/GHSA.json') res.writeHead(200).end(JSON.stringify({ id: 'GHSA-test-0001', modified: '2025-01-01T00:00:00Z' }));
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.close();
      await cleanup();
    });

    const deps = (sources: string[], extra: { allowPrivateNetworks?: boolean; maxDownloadBytes?: number } = {}) => ({
      database,
      clock: { now: () => Date.now() },
      config: parseConfig({
        outbound: { allowPrivateNetworks: extra.allowPrivateNetworks ?? true },
        scan: { vulndb: { sources, ...(extra.maxDownloadBytes ? { maxDownloadBytes: extra.maxDownloadBytes } : {}) } },
      }),
    });

    it('refuses the loopback server unless private networks are allowed', async () => {
      const [outcome] = await updateFromSources(deps([`${base}/all.zip`], { allowPrivateNetworks: false }));
      assert.match(outcome?.error ?? '', /private/);
      assert.equal((await vulnDbStatus(database)).records, 0);
    });

    it('downloads and imports a zip and a JSON file; a missing one and an oversized one are reported, not fatal', async () => {
      const outcomes = await updateFromSources(deps([`${base}/all.zip`, `${base}/missing.zip`, `${base}/GHSA.json`]));
      assert.equal(outcomes[0]?.summary?.imported, fixtureFiles().length);
      assert.match(outcomes[1]?.error ?? '', /answered 404/);
      assert.equal(outcomes[2]?.summary?.imported, 1);
      const status = await vulnDbStatus(database);
      assert.equal(status.records, fixtureFiles().length + 1);
      assert.equal(status.lastSource, `${base}/GHSA.json`);
      assert.ok(status.lastUpdateAt !== undefined);
      const [big] = await updateFromSources(deps([`${base}/all.zip`], { maxDownloadBytes: 1024 }));
      assert.match(big?.error ?? '', /maxDownloadBytes/);
    });

    it('runs as the daily task, logging each source', async () => {
      const lines: string[] = [];
      const handler = vulnDbTasks(deps([`${base}/all.zip`]))[VULNDB_UPDATE_TASK];
      assert.ok(handler);
      const context = { log: async (line: string) => void lines.push(line), signal: new AbortController().signal } as Parameters<typeof handler>[0];
      await handler(context);
      assert.ok(lines.includes(`${base}/all.zip: imported 0, updated 0, unchanged ${fixtureFiles().length}, invalid 0`), lines.join('\n'));
      await assert.rejects(vulnDbTasks(deps([`${base}/missing.zip`]))[VULNDB_UPDATE_TASK]!(context), /no vulnerability data source could be imported/);
    });
  });
}
