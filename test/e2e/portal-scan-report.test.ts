/**
 * An artifact's vulnerability report and SBOM in the portal, in a real browser against a real
 * `berth serve`: vulnerability data imported with `berth vulndb import`, an image with this
 * machine's Debian packages and vulnerable npm packages pushed through the registry API, scanned
 * from the artifact's Vulnerabilities tab; the report filtered, searched and sorted; the SBOM
 * generated from the SBOM tab and downloaded; both tabs in Chinese.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { sha256, tarOf, vulnerableImage } from '../../src/scan/testing/vulnerable-image.suite.js';
import { TestClient, type ArtifactParts } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage } from './browser.js';
import { ADMIN_AUTH, scanPortalSkipReason, startScanPortal } from './scan-portal.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer } from './harness.js';

const PROJECT = 'portal-scan-report-e2e';

/**
 * The vulnerable image with one more layer: semver 7.3.8 where no whiteout removes it, a
 * moderate (Medium) finding beside minimist's critical one, whatever this machine's packages add.
 */
async function imageWithTwoSeverities(): Promise<ArtifactParts> {
  const { parts, layers } = await vulnerableImage();
  const extraTar = await tarOf({ 'srv/node_modules/semver/package.json': JSON.stringify({ name: 'semver', version: '7.3.8', license: 'ISC' }) });
  const config = JSON.parse(parts.config.data.toString()) as { rootfs: { diff_ids: string[] } };
  config.rootfs.diff_ids.push(sha256(extraTar));
  return {
    config: { ...parts.config, data: Buffer.from(JSON.stringify(config)) },
    layers: [...layers, gzipSync(extraTar)].map((data) => ({ data, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
  };
}

async function columnTexts(page: Page, testId: string): Promise<string[]> {
  return (await page.getByTestId('vulnerabilities').locator('.ant-table-row').getByTestId(testId).allTextContents()).map((text) => text.trim());
}

/** The findings' row of the given advisory (shown under its CVE). */
function findingRow(page: Page, advisory: string): Locator {
  return page.getByTestId('vulnerabilities').locator('.ant-table-row', { has: page.getByText(advisory, { exact: true }) });
}

describe("an artifact's vulnerability report and SBOM in the portal", { skip: scanPortalSkipReason(), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let artifactUrl = '';

  before(async () => {
    const started = await startScanPortal(PROJECT);
    server = started.server;
    const { digest } = await new TestClient(server.url, ADMIN_AUTH).pushArtifact(`${PROJECT}/app`, 'v1', await imageWithTwoSeverities());
    artifactUrl = `${server.url}/projects/${started.projectId}/repositories/app/-/artifacts/${encodeURIComponent(digest)}`;
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the Scan button of the Vulnerabilities tab scans the image and the report lists the critical minimist finding first', async () => {
    await page.goto(artifactUrl);
    await page.getByRole('tab', { name: 'Vulnerabilities' }).click();
    await page.getByText('This artifact has not been scanned yet.').waitFor();
    await page.getByTestId('scan-start').click();
    // The tab follows the scan until it ends, then reads the report.
    await page.getByTestId('vulnerabilities').locator('.ant-table-row').first().waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('scan-run-status').textContent(), 'Finished');
    assert.equal(await page.getByTestId('severity-count-Critical').textContent(), 'Critical 1');

    const minimist = findingRow(page, 'GHSA-xvch-5gv4-984h');
    assert.equal(await minimist.getByTestId('vulnerability-id').textContent(), 'CVE-2021-44906');
    assert.match((await minimist.getByTestId('vulnerability-id').getAttribute('href')) ?? '', /^https:\/\//);
    assert.equal(await minimist.getByTestId('vulnerability-severity').textContent(), 'Critical');
    assert.equal(await minimist.getByTestId('vulnerability-package').textContent(), 'minimist');
    assert.equal(await minimist.getByTestId('vulnerability-fix').textContent(), '1.2.6');
    assert.match((await minimist.getByTestId('vulnerability-cvss').textContent()) ?? '', /^\d+\.\d$/);
    // Most severe first: the one critical finding heads the table.
    assert.deepEqual((await columnTexts(page, 'vulnerability-severity'))[0], 'Critical');

    await minimist.getByRole('button', { name: /expand row/i }).click();
    const details = page.getByTestId('vulnerability-details');
    await details.waitFor();
    assert.match((await details.textContent()) ?? '', /minimist 1\.2\.5 < fixed 1\.2\.6/);
  });

  test('filtering by severity and searching narrow the rows, and the columns sort', async () => {
    const all = (await columnTexts(page, 'vulnerability-package')).length;
    assert.ok(all >= 2, `the report has ${all} findings`);

    await page.getByTestId('severity-filter').click();
    await page.locator('.ant-select-item-option', { hasText: 'Medium' }).click();
    await page.keyboard.press('Escape');
    await page
      .getByTestId('vulnerability-count')
      .getByText(new RegExp(`^\\d+ of ${all} shown$`))
      .waitFor();
    const medium = await columnTexts(page, 'vulnerability-severity');
    assert.ok(medium.length > 0 && medium.length < all, `${medium.length} of ${all} rows are Medium`);
    assert.deepEqual(new Set(medium), new Set(['Medium']));
    assert.ok((await columnTexts(page, 'vulnerability-package')).includes('semver'));
    await page.getByTestId('severity-filter').locator('.ant-select-clear').click();
    await page.getByTestId('vulnerability-count').getByText(`${all} of ${all} shown`).waitFor();

    await page.getByTestId('vulnerability-search').fill('minim');
    await page.getByTestId('vulnerability-count').getByText(`1 of ${all} shown`).waitFor();
    assert.deepEqual(await columnTexts(page, 'vulnerability-package'), ['minimist']);
    await page.getByTestId('vulnerability-search').fill('');
    await page.getByTestId('vulnerability-count').getByText(`${all} of ${all} shown`).waitFor();

    const header = (name: string) => page.getByTestId('vulnerabilities').locator('th', { hasText: name });
    await header('Package').click();
    const packages = await columnTexts(page, 'vulnerability-package');
    assert.deepEqual(
      packages,
      [...packages].sort((a, b) => a.localeCompare(b)),
    );
    await header('CVSS').click();
    await header('CVSS').click();
    const scores = (await columnTexts(page, 'vulnerability-cvss')).map((text) => (text === '—' ? -1 : Number(text)));
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
    );
    assert.equal(scores[0], 9.8, "minimist's CVSS 3.1 base score leads when sorted by score, highest first");
  });

  test('the scan log link opens the log of the scan', async () => {
    const [log] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('scan-log').click()]);
    await log.waitForLoadState();
    assert.ok(((await log.textContent('body')) ?? '').trim().length > 0, 'the log has text');
    await log.close();
  });

  test('the SBOM tab generates an SBOM, lists its packages and downloads the SPDX document', async () => {
    await page.getByRole('tab', { name: 'SBOM' }).click();
    await page.getByText('No SBOM has been generated for this artifact yet.').waitFor();
    await page.getByTestId('sbom-start').click();
    const packages = page.getByTestId('sbom-packages');
    await packages.locator('.ant-table-row').first().waitFor({ timeout: 120_000 });
    await page.getByTestId('sbom-search').fill('minimist');
    const minimist = packages.locator('.ant-table-row', { hasText: 'pkg:npm/minimist@1.2.5' });
    assert.match((await minimist.textContent()) ?? '', /minimist1\.2\.5MIT/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sbom-download').click()]);
    assert.equal(download.suggestedFilename(), 'app_v1.spdx.json');
    const document = JSON.parse(await readFile(await download.path(), 'utf8')) as { spdxVersion: string; packages: Array<{ name: string; versionInfo?: string }> };
    assert.equal(document.spdxVersion, 'SPDX-2.3');
    assert.ok(document.packages.some((pkg) => pkg.name === 'minimist' && pkg.versionInfo === '1.2.5'));
  });

  test('in Chinese the report and the SBOM have no English left', async () => {
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    await page.goto(`${artifactUrl}?tab=vulnerabilities`);
    await page.getByTestId('vulnerabilities').locator('.ant-table-row').first().waitFor();
    assert.equal(await page.getByTestId('severity-count-Critical').textContent(), '严重 1');
    await assertNoEnglish(page, 'vulnerability report');
    await page.getByRole('tab', { name: 'SBOM' }).click();
    await page.getByTestId('sbom-packages').locator('.ant-table-row').first().waitFor();
    await assertNoEnglish(page, 'SBOM');
    await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
  });

  test('with no worker to run them, scans wait as queued and the Stop buttons of the tabs and of the artifacts table stop them', async () => {
    // A web-only instance queues scans and never runs them: what a user sees while a scan waits.
    await server.restart({ BERTH_SERVER_ROLE: 'web' });
    await page.goto(`${artifactUrl}?tab=vulnerabilities`);
    await page.getByTestId('scan-start').click();
    await page.getByTestId('scan-in-progress').waitFor();
    assert.equal(await page.getByTestId('scan-run-status').textContent(), 'Queued');
    await page.getByTestId('scan-stop').click();
    await page.getByText('The scan was stopped before it finished.').waitFor();
    assert.equal(await page.getByTestId('scan-stop').count(), 0);

    await page.getByRole('tab', { name: 'SBOM' }).click();
    await page.getByTestId('sbom-start').click();
    await page.getByTestId('sbom-in-progress').waitFor();
    await page.getByTestId('sbom-stop').click();
    await page.getByText('The SBOM generation was stopped.').waitFor();

    await page.goto(artifactUrl.replace(/\/-\/artifacts\/.*$/, ''));
    const row = page.locator('.ant-table-row').first();
    await row.getByTestId('scan-artifact').click();
    await row.getByTestId('scan-running').waitFor();
    await row.getByTestId('stop-scan').click();
    await row.getByText('Scan stopped').waitFor();
    assert.equal(await row.getByTestId('stop-scan').count(), 0);
  });
});
