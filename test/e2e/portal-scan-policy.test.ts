/**
 * Harbor's vulnerability policy in the portal, in a real browser against a real `berth serve`:
 * the project admin turns on "prevent vulnerable images from running" (severity High) in the
 * project's Configuration page, and a pull through the registry API of a scanned vulnerable
 * image is refused with 412; the image's CVEs added to the project's allowlist in the page let
 * the same pull through. An administrator saves the system allowlist with an expiry and finds it
 * after a reload, a project copies it; the Scanner tab shows the built-in scanner; a developer
 * sees the settings read-only; and the pages in Chinese have no English left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { vulnerableImage } from '../../src/scan/testing/vulnerable-image.suite.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { dialogSettled, motionSettled, assertNoEnglish, launchBrowser, openPortalPage } from './browser.js';
import { scanPortalSkipReason, startScanPortal } from './scan-portal.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, sleep } from './harness.js';

const PROJECT = 'portal-scan-policy-e2e';
const DEVELOPER = 'policy-developer';
const DEVELOPER_PASSWORD = 'Developer-passw0rd';
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SYSTEM_IDS = ['CVE-2021-44906', 'GHSA-xvch-5gv4-984h'];

describe('the vulnerability policy in the portal', { skip: scanPortalSkipReason(), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;
  let registry: TestClient;
  /** The ids of the image's High and Critical vulnerabilities, as its scan reported them. */
  let severeIds: string[] = [];

  const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
  /** Saves the project's configuration, waiting for the server's answer (a notice of an earlier save may still show). */
  const saveConfiguration = async () => {
    const [answer] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'PUT' && res.url().endsWith(`/api/v2.0/projects/${projectId}`)),
      page.getByTestId('save-config').click(),
    ]);
    assert.equal(answer.status(), 200);
  };
  const pullManifest = () => registry.request('GET', `/v2/${PROJECT}/app/manifests/v1`, { headers: { accept: OCI_MANIFEST } });

  async function scanAndWait(): Promise<void> {
    await api('POST', `/projects/${PROJECT}/repositories/app/artifacts/v1/scan`);
    for (let i = 0; i < 240; i++) {
      const artifact = (await (await api('GET', `/projects/${PROJECT}/repositories/app/artifacts/v1?with_scan_overview=true`)).json()) as {
        scan_overview?: Record<string, { scan_status: string }>;
      };
      const status = artifact.scan_overview?.[REPORT_MIME]?.scan_status;
      if (status === 'Success') return;
      assert.notEqual(status, 'Error', 'the scan failed');
      await sleep(500);
    }
    assert.fail('the scan did not finish in two minutes');
  }

  before(async () => {
    ({ server, projectId } = await startScanPortal(PROJECT));
    await api('POST', '/users', { username: DEVELOPER, password: DEVELOPER_PASSWORD, email: `${DEVELOPER}@example.com`, realname: 'Developer' });
    await api('POST', `/projects/${PROJECT}/members`, { role_id: 2, member_user: { username: DEVELOPER } });
    registry = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    await registry.pushArtifact(`${PROJECT}/app`, 'v1', (await vulnerableImage()).parts);
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('preventing vulnerable images (High) in the Configuration page makes a pull of the scanned image fail with 412', async () => {
    await page.goto(`${server.url}/projects/${projectId}/configuration`);
    // A new project reuses the system allowlist, and shows it.
    assert.equal(await page.getByLabel('System allowlist').isChecked(), true);
    await page.getByLabel('Prevent vulnerable images from running').click();
    await page.getByLabel('Severity threshold').click();
    // The list has finished sliding open before an option is chosen, as a person sees it.
    await motionSettled(page, '.ant-select-dropdown');
    await page.locator('.ant-select-item-option[title="High"]').click();
    await saveConfiguration();
    await page.getByText('Configuration saved').waitFor();
    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> };
    assert.equal(project.metadata.prevent_vul, 'true');
    assert.equal(project.metadata.severity, 'high');

    await scanAndWait();
    const reports = (await (await api('GET', `/projects/${PROJECT}/repositories/app/artifacts/v1/additions/vulnerabilities`)).json()) as Record<
      string,
      { vulnerabilities: Array<{ id: string; severity: string }> }
    >;
    const found = reports[REPORT_MIME]?.vulnerabilities ?? [];
    severeIds = [...new Set(found.filter((v) => v.severity === 'High' || v.severity === 'Critical').map((v) => v.id))];
    assert.ok(severeIds.includes('CVE-2021-44906'), `minimist 1.2.5's critical advisory is reported: ${severeIds.join(', ')}`);

    const refused = await pullManifest();
    assert.equal(refused.status, 412);
    const { errors } = (await refused.json()) as { errors: Array<{ message: string }> };
    assert.match(
      errors[0]?.message ?? '',
      /cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running\.'/,
    );
  });

  test("the image's CVEs added to the project allowlist in the page let the pull through", async () => {
    await page.getByLabel('Project allowlist').check();
    const allowlist = page.getByTestId('project-allowlist');
    await allowlist.getByText('No vulnerabilities allowlisted').waitFor();
    await page.getByTestId('project-allowlist-add').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Vulnerability ids').fill('CVE-2021-44906, not an id');
    await dialog.getByRole('button', { name: 'Add' }).click();
    assert.match((await dialog.getByTestId('allowlist-invalid').textContent()) ?? '', /Not vulnerability ids \(3\): not, an, id/);
    await dialog.getByLabel('Vulnerability ids').fill(severeIds.map((id) => (id.toLowerCase().startsWith('cve-') ? id.toLowerCase() : id)).join('\n'));
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // Typed in lower case, CVE ids are kept as the scanners report them.
    for (const id of severeIds.slice(0, 10)) await allowlist.getByRole('cell', { name: id, exact: true }).waitFor();
    assert.equal(await allowlist.getByLabel('Never expires').isChecked(), true);
    await saveConfiguration();

    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as {
      metadata: Record<string, string>;
      cve_allowlist: { items: Array<{ cve_id: string }>; expires_at: number | null };
    };
    assert.equal(project.metadata.reuse_sys_cve_allowlist, 'false');
    assert.deepEqual(project.cve_allowlist.items.map((item) => item.cve_id).sort(), [...severeIds].sort());
    assert.equal(project.cve_allowlist.expires_at, null);
    const pulled = await pullManifest();
    assert.equal(pulled.status, 200, await pulled.text());

    // Removing one of them in the page refuses the pull again.
    await allowlist.getByRole('button', { name: 'Remove CVE-2021-44906' }).click();
    await allowlist.getByRole('cell', { name: 'CVE-2021-44906', exact: true }).waitFor({ state: 'detached' });
    await saveConfiguration();
    assert.equal((await pullManifest()).status, 412);
  });

  test('the system allowlist is saved in Administration → Configuration with an expiry, kept after a reload, and a project copies it', async () => {
    await page.goto(`${server.url}/admin/configuration`);
    const security = page.getByTestId('security-settings');
    await security.getByText('System CVE allowlist').waitFor();
    await page.getByTestId('system-allowlist-add').click();
    await page.getByRole('dialog').getByLabel('Vulnerability ids').fill(SYSTEM_IDS.join(','));
    await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
    await security.getByLabel('Never expires').uncheck();
    await security.getByLabel('Expiry date').fill('2099-12-31');
    await page.getByTestId('save-system-allowlist').click();
    await page.getByText('System CVE allowlist saved').waitFor();

    await page.reload();
    for (const id of SYSTEM_IDS) await security.getByRole('cell', { name: id, exact: true }).waitFor();
    assert.equal(await security.getByLabel('Expiry date').inputValue(), '2099-12-31');
    assert.equal(await security.getByLabel('Never expires').isChecked(), false);
    const saved = (await (await api('GET', '/system/CVEAllowlist')).json()) as { items: Array<{ cve_id: string }>; expires_at: number | null };
    assert.deepEqual(
      saved.items.map((item) => item.cve_id),
      SYSTEM_IDS,
    );
    // The browser and this test share the machine's time zone: the start of that local day.
    assert.equal(saved.expires_at, new Date(2099, 11, 31).getTime() / 1000);

    // The project's own list keeps its own ids; copying adds the system's, saved with the configuration.
    await page.goto(`${server.url}/projects/${projectId}/configuration`);
    const allowlist = page.getByTestId('project-allowlist');
    const kept = severeIds.filter((id) => id !== 'CVE-2021-44906');
    for (const id of kept) await allowlist.getByRole('cell', { name: id, exact: true }).waitFor();
    if (kept.length === 0) await allowlist.getByText('No vulnerabilities allowlisted').waitFor();
    await page.getByTestId('copy-system-allowlist').click();
    for (const id of SYSTEM_IDS) await allowlist.getByRole('cell', { name: id, exact: true }).waitFor();
    await saveConfiguration();
    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as { cve_allowlist: { items: Array<{ cve_id: string }> } };
    assert.deepEqual(
      project.cve_allowlist.items.map((item) => item.cve_id),
      [...kept, ...SYSTEM_IDS],
    );
    assert.equal((await pullManifest()).status, 200);
  });

  test('the Scanner tab shows the built-in scanner, which the picker offers', async () => {
    await page.getByRole('tab', { name: 'Scanner' }).click();
    const scanner = page.getByTestId('project-scanner');
    assert.equal(await scanner.getByTestId('scanner-name').textContent(), 'Berth (built-in)');
    assert.equal(await scanner.getByTestId('scanner-health').textContent(), 'Healthy');
    await scanner.getByText('builtin://berth').waitFor();
    await page.getByTestId('select-scanner').click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('Berth (built-in)').isChecked(), true);
    // A click while the dialog still zooms in can be lost; a person waits for it to open.
    await dialogSettled(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  test('a developer sees the settings read-only and cannot change the scanner', async () => {
    const developer = await openPortalPage(browser, server, { signInAs: { username: DEVELOPER, password: DEVELOPER_PASSWORD } });
    try {
      await developer.goto(`${server.url}/projects/${projectId}/configuration`);
      await developer.getByText('Only a project admin can change the configuration.').waitFor();
      assert.equal(await developer.getByLabel('Prevent vulnerable images from running').isDisabled(), true);
      assert.equal(await developer.getByTestId('save-config').count(), 0);
      assert.equal(await developer.getByTestId('project-allowlist-add').count(), 0);
      await developer.getByTestId('project-allowlist').getByRole('cell', { name: 'GHSA-xvch-5gv4-984h', exact: true }).waitFor();
      assert.equal(await developer.getByTestId('copy-system-allowlist').count(), 0);
      assert.equal(await developer.getByRole('button', { name: 'Remove GHSA-xvch-5gv4-984h' }).count(), 0);
      await developer.getByRole('tab', { name: 'Scanner' }).click();
      await developer.getByTestId('scanner-name').waitFor();
      assert.equal(await developer.getByTestId('select-scanner').count(), 0);
    } finally {
      await developer.context().close();
    }
  });

  test('in Chinese the configuration, the add dialog, the Scanner tab and the security settings have no English left', async () => {
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    await page.goto(`${server.url}/projects/${projectId}/configuration`);
    await page.getByText('本项目的白名单').waitFor();
    await assertNoEnglish(page, 'project configuration');
    await page.getByTestId('project-allowlist-add').click();
    await page.getByRole('dialog').getByText('添加漏洞编号').waitFor();
    await assertNoEnglish(page, 'add vulnerability ids dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
    await page.getByRole('tab', { name: '扫描器' }).click();
    await page.getByTestId('scanner-health').getByText('健康').waitFor();
    await assertNoEnglish(page, 'scanner');
    await page.goto(`${server.url}/admin/configuration`);
    await page.getByText('系统 CVE 白名单', { exact: true }).waitFor();
    await assertNoEnglish(page, 'security settings');
    await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
  });
});
