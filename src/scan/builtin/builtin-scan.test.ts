import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../platform/clock.js';
import { api, expectJson } from '../../testing/api.js';
import { TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import type { VulnerabilityItem, VulnerabilityReport } from '../report/types.js';
import { importPaths } from '../vulndb/index.js';
import { machineIsDebian, sha256, vulnerableImage, VULNDB_FIXTURES, vulndbFixtureFiles } from '../testing/vulnerable-image.suite.js';

const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

/** `dpkg --compare-versions`, the oracle for Debian's order. */
function dpkgLess(a: string, b: string): boolean {
  try {
    execFileSync('dpkg', ['--compare-versions', a, 'lt', b]);
    return true;
  } catch {
    return false;
  }
}

/** Source package → installed source version, from the machine's own dpkg database. */
function installedSources(): Map<string, string> {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${source:Package}\t${source:Version}\t${db:Status-Status}\n'], { encoding: 'utf8' });
  const sources = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (name && version && status === 'installed') sources.set(name, version);
  }
  return sources;
}

interface DebianFixture {
  id: string;
  upstream?: string[];
  affected: Array<{ package: { name: string }; ranges: Array<{ events: Array<{ fixed?: string }> }> }>;
}

for (const dialect of testDialects()) {
  describe(
    `the built-in scanner through Harbor's scan API (${dialect.name})`,
    { skip: machineIsDebian() ? false : 'needs a Debian machine: its dpkg database is the scanned image' },
    () => {
      let server: TestServer;
      let client: TestClient;
      const call = (method: string, path: string, body?: unknown) => api(server.url, method, path, body === undefined ? {} : { body });

      before(async () => {
        server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } });
        client = new TestClient(server.url);
        await importPaths(server.database, vulndbFixtureFiles(), { clock: systemClock });
        await expectJson(await call('POST', '/projects', { project_name: 'scanned' }), 201);
      });
      after(() => server.close());

      it('finds this machine’s vulnerable Debian packages and an npm package, each explained, and not the one a later layer deleted', async () => {
        const { parts, layers } = await vulnerableImage();
        const { digest } = await client.pushArtifact('scanned/app', 'v1', parts);

        await expectJson(await call('POST', '/projects/scanned/repositories/app/artifacts/v1/scan'), 202);
        const overview = await eventually(async () => {
          const artifact = await expectJson<{ scan_overview?: Record<string, { scan_status: string; severity?: string; summary?: { total: number } }> }>(
            await call('GET', '/projects/scanned/repositories/app/artifacts/v1?with_scan_overview=true'),
            200,
          );
          const o = artifact.scan_overview?.[REPORT_MIME];
          return o && !['Pending', 'Running'].includes(o.scan_status) ? o : undefined;
        });
        assert.equal(overview.scan_status, 'Success');

        const reports = await expectJson<Record<string, VulnerabilityReport>>(
          await call('GET', `/projects/scanned/repositories/app/artifacts/${digest}/additions/vulnerabilities`),
          200,
        );
        const report = reports[REPORT_MIME];
        assert.ok(report);
        const found = (id: string, pkg: string) => report.vulnerabilities.find((v: VulnerabilityItem) => v.id === id && v.package === pkg);

        // Debian: every fixture advisory whose source package is installed here below its fix, by dpkg's own order.
        const sources = installedSources();
        const explained = new Set<VulnerabilityItem>();
        for (const file of readdirSync(join(VULNDB_FIXTURES, 'debian'))) {
          const record = JSON.parse(readFileSync(join(VULNDB_FIXTURES, 'debian', file), 'utf8')) as DebianFixture;
          const cve = record.upstream?.find((id) => id.startsWith('CVE-')) ?? record.id;
          for (const affected of record.affected) {
            const installed = sources.get(affected.package.name);
            const fixed = affected.ranges[0]?.events.find((e) => e.fixed)?.fixed;
            const items: VulnerabilityItem[] = report.vulnerabilities.filter((v) => v.id === cve && v.vendor_attributes?.advisory === record.id);
            if (installed && fixed && dpkgLess(installed, fixed)) {
              assert.ok(items.length > 0, `${cve}: ${affected.package.name} ${installed} < ${fixed} must be reported`);
              for (const item of items) {
                assert.equal(item.fix_version, fixed);
                assert.match(String(item.vendor_attributes?.reason), new RegExp(`< fixed ${fixed.replace(/[.+~]/g, '\\$&')} in Debian:12`));
                assert.equal(item.vendor_attributes?.layer, sha256(layers[0]!));
                assert.equal(item.vendor_attributes?.path, 'var/lib/dpkg/status');
                explained.add(item);
              }
            } else {
              assert.equal(items.length, 0, `${cve}: ${affected.package.name} ${installed ?? '(not installed)'} is not below ${fixed}`);
            }
          }
        }

        const minimist = found('CVE-2021-44906', 'minimist');
        assert.ok(minimist, 'minimist 1.2.5 is affected by GHSA-xvch-5gv4-984h');
        assert.equal(minimist.version, '1.2.5');
        assert.equal(minimist.fix_version, '1.2.6');
        assert.equal(minimist.severity, 'Critical');
        assert.equal(minimist.vendor_attributes?.path, 'usr/lib/node_modules/minimist/package.json');
        assert.equal(found('CVE-2022-25883', 'semver'), undefined, 'the semver a later layer deleted is not reported');
        explained.add(minimist);
        // Nothing else: every finding is one of those above.
        assert.deepEqual(
          report.vulnerabilities.filter((v) => !explained.has(v)),
          [],
        );
        assert.equal(overview.summary?.total, report.vulnerabilities.length);
        assert.deepEqual((report.vendor_attributes?.vulnerability_database as { stale: boolean }).stale, false);

        const log = await (await call('GET', `/projects/scanned/repositories/app/artifacts/${digest}/scan/${await reportId(digest)}/log`)).text();
        assert.match(log, /debian 12; \d+ package\(s\) found/);
      });

      async function reportId(digest: string): Promise<string> {
        const artifact = await expectJson<{ scan_overview: Record<string, { report_id: string }> }>(
          await call('GET', `/projects/scanned/repositories/app/artifacts/${digest}?with_scan_overview=true`),
          200,
        );
        return artifact.scan_overview[REPORT_MIME]?.report_id ?? '';
      }
    },
  );
}
