/**
 * The system administrator's scanning pages in a real browser against a real `berth serve`:
 * Berth's own scanner adapter (`/scanner-adapter`) is added as a scanner after a connection test
 * with a wrong key and then the right one, made the default and back, edited without retyping its
 * key, disabled (and so refused as the default) and enabled again; the built-in scanner's
 * deletion is refused in the API's words; scan-all gets a daily schedule and a run started with
 * "Scan now" whose metrics reach completion; the security hub shows minimist's critical advisory
 * (GHSA-xvch-5gv4-984h, CVE-2021-44906, from `berth vulndb import` of the fixtures) among the
 * most dangerous, and its search narrows the list to it; an export of that CVE downloads as CSV;
 * and the pages in Chinese have no English left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { vulnerableImage } from '../../src/scan/testing/vulnerable-image.suite.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage } from './browser.js';
import { ADMIN_AUTH, scanPortalSkipReason, startScanPortal } from './scan-portal.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer } from './harness.js';

const PROJECT = 'portal-scan-admin-e2e';
const ADAPTER_KEY = 'portal-scan-admin-adapter-key';
const SELF_SCANNER = 'berth-adapter';
/** The built-in scanner's registration is named after the product, in every language: data, not a portal string. */
const BUILTIN_NAME = ['Berth'];
/** minimist 1.2.5's critical advisory GHSA-xvch-5gv4-984h, listed by its CVE alias. */
const CRITICAL = 'CVE-2021-44906';

describe("the administrator's scanning pages in a browser", { skip: scanPortalSkipReason(), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ({ server } = await startScanPortal(PROJECT, {
      // The adapter API is served to callers with this key; the scanner registered below calls it on loopback.
      BERTH_SCAN_ADAPTER_API_KEY: ADAPTER_KEY,
      BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      BERTH_JOBS_POLL_INTERVAL_MS: '200',
    }));
    await new TestClient(server.url, ADMIN_AUTH).pushArtifact(`${PROJECT}/app`, 'v1', (await vulnerableImage()).parts);
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const scannerRow = (name: string) => page.getByRole('row', { name: new RegExp(`^${name} `) });

  /** Delete in the row, then Delete in its confirmation, which is gone again before the next one opens. */
  const deleteScanner = async (name: string) => {
    await scannerRow(name).getByTestId('scanner-delete').click();
    const confirmation = page.locator('.ant-popconfirm:visible');
    await confirmation.getByRole('button', { name: 'Delete' }).click();
    await confirmation.waitFor({ state: 'hidden' });
  };

  test("Berth's own adapter is added after a connection test, made the default and back", async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByRole('tab', { name: 'Interrogation services' }).click();
    await page.waitForURL(/\/admin\/scanners$/);
    await scannerRow('Berth').getByTestId('scanner-default').waitFor();
    await scannerRow('Berth').getByText('Healthy').waitFor();

    await page.getByTestId('new-scanner').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(SELF_SCANNER);
    await dialog.getByLabel('Endpoint URL').fill(`${server.url}/scanner-adapter`);
    await dialog.getByLabel('Authorization').click();
    await page.locator('.ant-select-item-option[title="X-ScannerAdapter-API-Key"]').click();
    await dialog.getByLabel('API key').fill('not-the-adapter-key');
    await dialog.getByTestId('scanner-test').click();
    await dialog
      .getByTestId('scanner-test-failed')
      .getByText(/401|unauthori[sz]ed|key/i)
      .waitFor();
    await dialog.getByLabel('API key').fill(ADAPTER_KEY);
    await dialog.getByTestId('scanner-test').click();
    await dialog.getByTestId('scanner-test-passed').waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    const self = scannerRow(SELF_SCANNER);
    await self.getByText('Healthy').waitFor();
    assert.match((await self.textContent()) ?? '', /X-ScannerAdapter-API-Key/);
    await self.getByTestId('scanner-make-default').click();
    await self.getByTestId('scanner-default').waitFor();
    await scannerRow('Berth').getByTestId('scanner-default').waitFor({ state: 'detached' });
    await scannerRow('Berth').getByTestId('scanner-make-default').click();
    await scannerRow('Berth').getByTestId('scanner-default').waitFor();
    await self.getByTestId('scanner-default').waitFor({ state: 'detached' });
  });

  test('the added scanner is edited without retyping its key, and disabled and enabled again', async () => {
    const self = scannerRow(SELF_SCANNER);
    await self.getByTestId('scanner-edit').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Description').fill("Berth's own adapter API");
    assert.equal(await dialog.getByLabel('API key').getAttribute('placeholder'), 'Leave empty to keep the saved one');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await self.getByText("Berth's own adapter API").waitFor();
    // The kept key still opens the adapter.
    const auth = { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) };
    const [saved] = (await (await fetch(`${server.url}/api/v2.0/scanners?q=name=${SELF_SCANNER}`, { headers: auth })).json()) as Array<{ uuid: string }>;
    assert.equal((await fetch(`${server.url}/api/v2.0/scanners/${saved?.uuid}/metadata`, { headers: auth })).status, 200);

    await self.getByTestId('scanner-toggle').click();
    await self.getByText('Disabled', { exact: true }).waitFor();
    await self.getByTestId('scanner-make-default').click();
    await page.getByText('a disabled scanner registration cannot be the default').waitFor();
    await self.getByTestId('scanner-toggle').click();
    await self.getByText('Enabled', { exact: true }).waitFor();
  });

  test('the built-in scanner cannot be deleted, and says why; the added one can', async () => {
    await deleteScanner('Berth');
    await page.getByText('the built-in scanner registration cannot be deleted').waitFor();
    await deleteScanner(SELF_SCANNER);
    await page.getByText(`Scanner ${SELF_SCANNER} deleted`).waitFor();
    await scannerRow(SELF_SCANNER).waitFor({ state: 'detached' });
  });

  test('scan-all gets a daily schedule, and "Scan now" runs to completion', async () => {
    await page.getByRole('tab', { name: 'Vulnerability' }).click();
    await page.waitForURL(/view=vulnerability/);
    // The imported data's date, as the built-in scanner's metadata reports it.
    await page.getByTestId('database-updated').getByText(/today/).waitFor();
    assert.equal(await page.getByTestId('default-scanner').textContent(), 'Berth');

    const schedule = page.getByTestId('scan-all-schedule');
    await schedule.getByRole('combobox', { name: 'Schedule' }).click();
    await page.locator('.ant-select-item-option[title="Daily"]').click();
    await page.getByTestId('scan-all-schedule-save').click();
    await page.getByText('Schedule saved').waitFor();
    await schedule.getByText(/^Next run: /).waitFor();

    await page.getByText('No scan of all artifacts has run yet').waitFor();
    await page.getByTestId('scan-all-now').click();
    await page.getByTestId('scan-all-state').getByText('Latest run (manual) has finished').waitFor({ timeout: 120_000 });
    const metrics = page.getByTestId('scan-all-metrics');
    assert.match((await metrics.textContent()) ?? '', /Total1Completed1Failed0Stopped0In progress0/);
    await metrics.getByText('100%').waitFor();
    await page.getByTestId('scan-all-stop').waitFor({ state: 'detached' });
  });

  test('the security hub shows the critical advisory among the most dangerous, and the search narrows the list to it', async () => {
    await page.getByRole('tab', { name: 'Security hub' }).click();
    await page.waitForURL(/\/admin\/security$/);
    const artifacts = page.getByTestId('hub-artifacts');
    await artifacts.getByText('Scanned', { exact: true }).waitFor();
    assert.match((await artifacts.textContent()) ?? '', /Total1Scanned1Not scanned0/);
    assert.match((await page.getByTestId('hub-severities').textContent()) ?? '', /Critical[1-9]/);
    const topCve = page.getByTestId('hub-top-cves').getByRole('row', { name: new RegExp(CRITICAL) });
    assert.match((await topCve.textContent()) ?? '', /Critical.*minimist@1\.2\.5/);
    await page
      .getByTestId('hub-top-artifacts')
      .getByRole('link', { name: new RegExp(`${PROJECT}/app@sha256:`) })
      .waitFor();

    const list = page.getByTestId('hub-vulnerabilities');
    await list.getByRole('row', { name: new RegExp(CRITICAL) }).waitFor();
    const search = page.getByTestId('hub-search');
    await search.getByLabel('Package').fill('minimist');
    await search.getByLabel('Repository').fill(`${PROJECT}/app`);
    await search.getByLabel('Tag').fill('v1');
    await search.getByLabel('Lowest CVSS3 score').fill('9');
    await page.getByTestId('hub-search-submit').click();
    await page.getByText('1 in total').waitFor();
    const row = list.getByRole('row', { name: new RegExp(CRITICAL) });
    assert.match((await row.textContent()) ?? '', new RegExp(`${PROJECT}/app.*v1.*Critical.*minimist1\\.2\\.5`));

    // A package no scanned image has: nothing left.
    await search.getByLabel('Package').fill('left-pad');
    await page.getByTestId('hub-search-submit').click();
    await list.getByRole('row', { name: new RegExp(CRITICAL) }).waitFor({ state: 'detached' });
    await list.locator('.ant-table-placeholder').waitFor();

    // A dangerous CVE picked from the top list becomes the search.
    await topCve.getByRole('button', { name: CRITICAL }).click();
    assert.equal(await search.getByLabel('CVE ID').inputValue(), CRITICAL);
    await list.getByRole('row', { name: new RegExp(CRITICAL) }).waitFor();
    await page.getByText('1 in total').waitFor();
  });

  test("an export of the project's CVEs, narrowed to the searched CVE, is written and downloads as CSV", async () => {
    await page.getByTestId('export-cves').click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('CVE IDs').inputValue(), CRITICAL);
    await dialog.getByLabel('Project').click();
    await page.locator(`.ant-select-item-option[title="${PROJECT}"]`).click();
    await dialog.getByLabel('Job name').fill('minimist-critical');
    await dialog.getByRole('button', { name: 'Export' }).click();
    await dialog.waitFor({ state: 'detached' });
    const download = page
      .getByTestId('cve-exports')
      .getByRole('row', { name: /minimist-critical/ })
      .getByTestId('export-download');
    await download.waitFor({ timeout: 60_000 });
    const csv = await page.context().request.get(`${server.url}${await download.getAttribute('href')}`);
    assert.equal(csv.status(), 200);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines.length, 2, 'a header and the one searched CVE');
    assert.match(lines[1] ?? '', new RegExp(`${CRITICAL}.*minimist`));
  });

  test('in Chinese the security hub and interrogation services have no English left', async () => {
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    try {
      await page.goto(`${server.url}/admin/security`);
      await page
        .getByTestId('hub-vulnerabilities')
        .getByRole('row', { name: new RegExp(CRITICAL) })
        .waitFor();
      await page.getByRole('tab', { name: '安全中心' }).waitFor();
      await assertNoEnglish(page, 'security hub');

      await page.goto(`${server.url}/admin/scanners`);
      await scannerRow('Berth').getByText('健康').waitFor();
      await assertNoEnglish(page, 'scanners', BUILTIN_NAME);
      await page.getByTestId('new-scanner').click();
      await page.getByRole('dialog').getByText('测试连接').waitFor();
      await assertNoEnglish(page, 'new scanner form', BUILTIN_NAME);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      await page.goto(`${server.url}/admin/scanners?view=vulnerability`);
      await page.getByTestId('scan-all-state').getByText('最近一次（手动）已完成').waitFor();
      await page.getByTestId('database-updated').getByText(/今天/).waitFor();
      await assertNoEnglish(page, 'scan-all', BUILTIN_NAME);
    } finally {
      await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
    }
  });
});
