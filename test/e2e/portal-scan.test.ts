/**
 * Scanning in the portal, in a real browser against a real `berth serve`: vulnerability data
 * imported with `berth vulndb import` (the real command, beside the running server), an image
 * with this machine's Debian packages and a vulnerable npm package pushed through the registry
 * API, the Scan button in the artifacts table, and the summary by severity the scan leaves there,
 * in English and in Chinese.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { vulnerableImage } from '../../src/scan/testing/vulnerable-image.suite.js';
import { TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage } from './browser.js';
import { ADMIN_AUTH, scanPortalSkipReason, startScanPortal } from './scan-portal.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer } from './harness.js';

const PROJECT = 'portal-scan-e2e';

describe('scanning in the portal', { skip: scanPortalSkipReason(), timeout: 600_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;

  before(async () => {
    ({ server, projectId } = await startScanPortal(PROJECT));
    await new TestClient(server.url, ADMIN_AUTH).pushArtifact(`${PROJECT}/app`, 'v1', (await vulnerableImage()).parts);
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the Scan button scans the image and the table shows its vulnerabilities by severity', async () => {
    await page.goto(`${server.url}/projects/${projectId}/repositories/app`);
    const row = page.locator('.ant-table-row').first();
    await row.getByText('Not scanned').waitFor();
    await row.getByTestId('scan-artifact').click();
    // minimist 1.2.5 (GHSA-xvch-5gv4-984h) is critical; the page follows the scan until it ends.
    const summary = row.getByTestId('scan-summary');
    await summary.waitFor({ timeout: 120_000 });
    assert.match((await summary.textContent()) ?? '', /Critical 1/);
  });

  test('in Chinese the scan summary and button have no English left', async () => {
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    await page.reload();
    const row = page.locator('.ant-table-row').first();
    await row.getByTestId('scan-summary').waitFor();
    assert.match((await row.getByTestId('scan-summary').textContent()) ?? '', /严重 1/);
    await assertNoEnglish(page, 'the artifacts table after a scan');
    await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
  });
});
