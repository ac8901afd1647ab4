/**
 * Harbor's "prevent vulnerable images from running" with real clients: an image pushed with
 * skopeo into a project that scans on push and prevents vulnerable pulls is scanned by the
 * built-in scanner, a pull is refused with Harbor's message, and allowlisting its CVEs lets
 * the same pull through.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tarOf } from '../../src/scan/testing/vulnerable-image.suite.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  BERTH_ONLY,
  ClientEnv,
  makeTempDir,
  REPO_ROOT,
  RegistryServer,
  removeDir,
  requireTools,
  run,
  skipUnlessTools,
  sleep,
  writeImageLayout,
} from './harness.js';

const TOOLS = ['skopeo'];
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const FIXTURES = join(REPO_ROOT, 'src', 'scan', 'vulndb', 'fixtures');
const machineFiles = existsSync('/var/lib/dpkg/status') && existsSync('/etc/os-release');
const skip = BERTH_ONLY || skipUnlessTools(...TOOLS) || (machineFiles ? false : 'needs /var/lib/dpkg/status and /etc/os-release for the image');

describe('vulnerable images refused on pull', { skip, timeout: 240_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;
  const creds = `${ADMIN_USER}:${ADMIN_PASSWORD}`;

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  }

  const copyOut = (tag: string) =>
    client.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${server.host}/guarded/app:${tag}`, `dir:${join(work, `out-${Date.now()}`)}`], {
      allowFail: true,
    });

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start({ BERTH_JOBS_POLL_INTERVAL_MS: '100' });
    // The OSV fixtures go into the embedded database while the server is down (it holds the database's lock).
    await server.kill();
    await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'vulndb', 'import', '--data-dir', server.dataDir, FIXTURES], {
      cwd: REPO_ROOT,
      timeoutMs: 120_000,
    });
    await server.restart();
    work = makeTempDir('vulnerable');
    client = new ClientEnv(join(work, 'client'), server.host);
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  test('a scanned vulnerable image is refused with Harbor’s message until its CVEs are allowlisted', async () => {
    const created = await api('POST', '/projects', {
      project_name: 'guarded',
      metadata: { auto_scan: 'true', prevent_vul: 'true', severity: 'high', reuse_sys_cve_allowlist: 'false' },
    });
    assert.equal(created.status, 201);
    const layout = join(work, 'layout');
    writeImageLayout(
      layout,
      'v1',
      await tarOf({
        'etc/os-release': readFileSync('/etc/os-release'),
        'var/lib/dpkg/status': readFileSync('/var/lib/dpkg/status'),
        'usr/lib/node_modules/minimist/package.json': JSON.stringify({ name: 'minimist', version: '1.2.5' }),
      }),
    );
    await client.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v1`, `docker://${server.host}/guarded/app:v1`]);

    // Scan on push: wait for the report.
    let status = '';
    let reportId = '';
    for (let i = 0; i < 600 && status !== 'Success' && status !== 'Error'; i++) {
      const artifact = await api<{ scan_overview?: Record<string, { scan_status: string; report_id: string }> }>(
        'GET',
        '/projects/guarded/repositories/app/artifacts/v1?with_scan_overview=true',
      );
      status = artifact.json.scan_overview?.[REPORT_MIME]?.scan_status ?? '';
      reportId = artifact.json.scan_overview?.[REPORT_MIME]?.report_id ?? '';
      if (status !== 'Success') await sleep(100);
    }
    if (status !== 'Success') {
      const log = await fetch(`${server.url}/api/v2.0/projects/guarded/repositories/app/artifacts/v1/scan/${reportId}/log`, {
        headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
      });
      assert.fail(`scan ${status}: ${await log.text()}`);
    }
    const reports = await api<Record<string, { vulnerabilities: Array<{ id: string; severity: string }> }>>(
      'GET',
      '/projects/guarded/repositories/app/artifacts/v1/additions/vulnerabilities',
    );
    const items = reports.json[REPORT_MIME]?.vulnerabilities ?? [];
    assert.ok(
      items.some((v) => v.id === 'CVE-2021-44906'),
      'minimist 1.2.5 is reported',
    );

    const refused = await copyOut('v1');
    assert.notEqual(refused.code, 0, 'the pull must be refused');
    // skopeo logs the registry's message inside a quoted field: its quotes come escaped.
    assert.match(
      refused.stderr.replaceAll('\\"', '"'),
      new RegExp(
        `current image with ${items.length} vulnerabilit(y|ies) cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running\\.' To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist\\.`,
      ),
    );

    const ids = [...new Set(items.map((v) => v.id))];
    assert.equal((await api('PUT', '/projects/guarded', { cve_allowlist: { items: ids.map((cve_id) => ({ cve_id })) } })).status, 200);
    const pulled = await copyOut('v1');
    assert.equal(pulled.code, 0, pulled.stderr);
  });
});
