/**
 * One Berth as another's scanner, as two real processes: A holds the vulnerability data and serves
 * its built-in scanner as a Harbor scanner adapter (scan.adapterApiKey); B, with no vulnerability
 * data of its own, registers A's adapter through /api/v2.0/scanners, makes it the default, and
 * scans an image with it (A pulls the image from B's /v2/ with the robot B puts in the request).
 * B's report must list exactly what A's built-in scanner finds in the same image pushed to A.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, TestClient } from '../../src/testing/client.js';
import { machineIsDebian, vulnerableImage } from '../../src/scan/testing/vulnerable-image.suite.js';
import { ADMIN_PASSWORD, ADMIN_USER, BERTH_ONLY, REPO_ROOT, RegistryServer, run, sleep } from './harness.js';

const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const ADAPTER_KEY = 'e2e-adapter-key-of-berth-a';
const skip = BERTH_ONLY || (machineIsDebian() ? false : 'needs a Debian machine: its dpkg database is the scanned image');

interface Finding {
  id: string;
  package: string;
  version: string;
  fix_version?: string;
  severity: string;
}

interface Report {
  scanner: { name: string; vendor: string };
  vulnerabilities: Finding[];
}

describe('Berth as another Berth’s external scanner', { skip, timeout: 180_000 }, () => {
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  let a: RegistryServer;
  let b: RegistryServer;

  const call = async (server: RegistryServer, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async <T>(server: RegistryServer, method: string, path: string, status: number, body?: unknown): Promise<T> => {
    const res = await call(server, method, path, body);
    const text = await res.text();
    assert.equal(res.status, status, `${method} ${path}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  before(async () => {
    // Each fetches images from the other over loopback: A pulls what B asks it to scan.
    const common = { BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true', BERTH_JOBS_POLL_INTERVAL_MS: '100' };
    const startA = async () => {
      const server = await RegistryServer.start({ ...common, BERTH_SCAN_ADAPTER_API_KEY: ADAPTER_KEY });
      // The OSV fixtures go into A's embedded database while A is down (it holds the database's lock).
      await server.kill();
      await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'vulndb', 'import', '--data-dir', server.dataDir, 'src/scan/vulndb/fixtures'], {
        cwd: REPO_ROOT,
        timeoutMs: 120_000,
      });
      await server.restart();
      return server;
    };
    [a, b] = await Promise.all([startA(), RegistryServer.start({ ...common, BERTH_SCAN_POLL_SECONDS: '1' })]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  /** POST scan, then the finished report of `repository:v1` (project/name). */
  async function scanned(server: RegistryServer, repository: string): Promise<Report> {
    const [project, name] = repository.split('/') as [string, string];
    const artifact = `/projects/${project}/repositories/${name}/artifacts/v1`;
    await json(server, 'POST', `${artifact}/scan`, 202);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const overview = (
        await json<{ scan_overview?: Record<string, { scan_status: string; report_id: string }> }>(server, 'GET', `${artifact}?with_scan_overview=true`, 200)
      ).scan_overview?.[REPORT_MIME];
      if (overview && !['Pending', 'Running'].includes(overview.scan_status)) {
        const log = await (await call(server, 'GET', `${artifact}/scan/${overview.report_id}/log`)).text();
        assert.equal(overview.scan_status, 'Success', `scan of ${repository} on ${server.url}: ${log}`);
        break;
      }
      assert.ok(Date.now() < deadline, `scan of ${repository} on ${server.url} not finished in 90 s`);
      await sleep(200);
    }
    const reports = await json<Record<string, Report>>(server, 'GET', `${artifact}/additions/vulnerabilities`, 200);
    const report = reports[REPORT_MIME];
    assert.ok(report, `no ${REPORT_MIME} report of ${repository}`);
    return report;
  }

  /** What a user compares between two reports, in a stable order. */
  const findings = (report: Report) =>
    report.vulnerabilities
      .map((v) => ({ id: v.id, package: v.package, version: v.version, fix_version: v.fix_version ?? '', severity: v.severity }))
      .sort((x, y) => `${x.id} ${x.package} ${x.version}`.localeCompare(`${y.id} ${y.package} ${y.version}`));

  it('registers A’s adapter on B, scans there with it, and reports what A’s built-in scanner reports', async () => {
    // A refuses the adapter API without its key, so B's registration must carry it.
    const ping = await call(b, 'POST', '/scanners/ping', { name: 'A', url: `${a.url}/scanner-adapter`, auth: 'APIKey', access_credential: 'not-the-key-at-all' });
    assert.equal(ping.status, 400);

    const created = await call(b, 'POST', '/scanners', {
      name: 'Berth A',
      description: 'the other Berth',
      url: `${a.url}/scanner-adapter`,
      auth: 'APIKey',
      access_credential: ADAPTER_KEY,
    });
    assert.equal(created.status, 201, await created.text());
    const uuid = (created.headers.get('location') ?? '').split('/').pop() ?? '';
    const metadata = await json<{ scanner: { name: string; vendor: string }; capabilities: Array<{ type?: string }> }>(b, 'GET', `/scanners/${uuid}/metadata`, 200);
    assert.deepEqual({ name: metadata.scanner.name, vendor: metadata.scanner.vendor }, { name: 'Berth', vendor: 'Berth' });
    assert.ok(metadata.capabilities.some((c) => c.type === 'vulnerability'));
    await json(b, 'PATCH', `/scanners/${uuid}`, 200, { is_default: true });

    await json(a, 'POST', '/projects', 201, { project_name: 'direct' });
    await json(b, 'POST', '/projects', 201, { project_name: 'mirror' });
    const projectScanner = await json<{ uuid: string; name: string }>(b, 'GET', '/projects/mirror/scanner', 200);
    assert.deepEqual({ uuid: projectScanner.uuid, name: projectScanner.name }, { uuid, name: 'Berth A' });

    const { parts } = await vulnerableImage();
    const [onA, onB] = await Promise.all([
      new TestClient(a.url, admin).pushArtifact('direct/app', 'v1', parts),
      new TestClient(b.url, admin).pushArtifact('mirror/app', 'v1', parts),
    ]);
    assert.equal(onA.digest, onB.digest);

    const [builtin, external] = await Promise.all([scanned(a, 'direct/app'), scanned(b, 'mirror/app')]);
    assert.ok(
      builtin.vulnerabilities.some((v) => v.id === 'CVE-2021-44906' && v.package === 'minimist' && v.severity === 'Critical'),
      'A’s built-in scan finds the fixture advisory of minimist 1.2.5',
    );
    assert.equal(external.scanner.name, 'Berth');
    assert.deepEqual(findings(external), findings(builtin));
  });
});
