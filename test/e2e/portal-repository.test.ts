/**
 * The portal's repository and artifact pages in a real browser against a real `berth serve`:
 * an image and a multi-arch index pushed through the registry API, their tags, sizes and
 * platforms, the pull command copied, a tag added and deleted, the build history, and the
 * pages in Chinese with no English left.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pushChart, pushImageWithHistory, pushIndex, README, VALUES_YAML } from '../../src/artifacts/fixtures.suite.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, signIn } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, REPO_ROOT, RegistryServer, requireTools, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-repo-e2e';
const REPOSITORY = 'team/app';

describe('the repository and artifact pages in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 90_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let imageDigest: string;
  let chartDigest: string;

  before(async () => {
    requireTools('chromium');
    if (!existsSync(join(REPO_ROOT, 'dist', 'web', 'index.html'))) throw new Error('the portal is not built: run npm run build');
    server = await RegistryServer.start();
    const auth = basic(ADMIN_USER, ADMIN_PASSWORD);
    const created = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: PROJECT }),
    });
    assert.equal(created.status, 201, await created.text());
    // Tags named frozen-* may not be moved or deleted.
    const rule = await fetch(`${server.url}/api/v2.0/projects/${PROJECT}/immutabletagrules`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'immutable',
        template: 'immutable_template',
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'frozen-*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      }),
    });
    assert.equal(rule.status, 201, await rule.text());
    const client = new TestClient(server.url, auth);
    const name = `${PROJECT}/${REPOSITORY}`;
    imageDigest = (await pushImageWithHistory(client, name, 'v1')).digest;
    const amd64 = await pushImageWithHistory(client, name, 'amd64-build', 'amd64');
    const arm64 = await pushImageWithHistory(client, name, 'arm64-build', 'arm64');
    await pushIndex(client, name, 'multi', [
      { ...amd64, architecture: 'amd64' },
      { ...arm64, architecture: 'arm64' },
    ]);
    chartDigest = (await pushChart(client, `${PROJECT}/mychart`, '0.1.0')).digest;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('opens the repository from the project and lists its artifacts with tags, sizes and the index platforms', async () => {
    await page.getByRole('link', { name: PROJECT }).click();
    await page.getByRole('link', { name: `${PROJECT}/${REPOSITORY}` }).click();
    await page.waitForURL(/\/repositories\/team\/app$/);
    await page.getByRole('heading', { name: `${PROJECT}/${REPOSITORY}` }).waitFor();
    const image = page.getByRole('row', { name: /\bv1\b/ });
    await image.waitFor();
    assert.match((await image.textContent()) ?? '', /IMAGE/);
    assert.match((await image.textContent()) ?? '', /\d+(\.\d)? (B|KiB)/);
    assert.match((await image.textContent()) ?? '', new RegExp(imageDigest.slice(0, 19)));
    const index = page.getByRole('row', { name: /\bmulti\b/ });
    await index.locator('.ant-table-row-expand-icon').click();
    const platforms = page.getByTestId('platforms');
    await platforms.getByText('linux/amd64', { exact: true }).waitFor();
    await platforms.getByText('linux/arm64/v8', { exact: true }).waitFor();
  });

  test('copies the pull command by tag and by digest', async () => {
    await page
      .getByRole('row', { name: /\bv1\b/ })
      .getByTestId('pull-command')
      .click();
    const byTag = page.getByTestId('pull-by-tag');
    const host = new URL(server.url).host;
    assert.equal((await byTag.textContent())?.trim(), `docker pull ${host}/${PROJECT}/${REPOSITORY}:v1`);
    await page.getByRole('tooltip').getByText('podman').click();
    const command = `podman pull ${host}/${PROJECT}/${REPOSITORY}@${imageDigest}`;
    assert.equal((await page.getByTestId('pull-by-digest').textContent())?.trim(), command);
    await page.getByTestId('pull-by-digest').locator('.ant-typography-copy').click();
    await page.getByTestId('pull-by-digest').locator('.ant-typography-copy-success').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
    await page.keyboard.press('Escape');
  });

  test('edits the description, shown as text and never as HTML', async () => {
    await page.getByTestId('edit-description').click();
    await page.getByTestId('description-input').fill('First line\n<b>not bold</b>');
    await page.getByTestId('save-description').click();
    const description = page.getByTestId('description');
    await description.waitFor();
    assert.equal(await description.innerText(), 'First line\n<b>not bold</b>');
    assert.equal(await description.locator('b').count(), 0);
  });

  test('opens the artifact, sees its build history, adds a tag and deletes it', async () => {
    await page
      .getByRole('row', { name: /\bv1\b/ })
      .getByTestId('artifact-link')
      .click();
    await page.waitForURL(/\/-\/artifacts\//);
    const history = page.getByTestId('build-history');
    await history.getByText('RUN make').waitFor();
    await history.getByText('/bin/sh -c #(nop) ADD file').waitFor();
    const tags = page.getByTestId('tags');
    await tags.getByText('v1', { exact: true }).waitFor();
    await page.getByTestId('new-tag').fill('release');
    await page.getByTestId('add-tag').click();
    await tags.getByText('release', { exact: true }).waitFor();
    await page.getByTestId('delete-tag-release').click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    await tags.getByText('release', { exact: true }).waitFor({ state: 'detached' });
    // An immutable tag is added, but its deletion is refused with the API's reason.
    await page.getByTestId('new-tag').fill('frozen-1');
    await page.getByTestId('add-tag').click();
    await tags
      .getByRole('row', { name: /frozen-1/ })
      .getByText('Immutable')
      .waitFor();
    await page.getByTestId('delete-tag-frozen-1').click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    const refusal = await page.getByTestId('tag-error').textContent();
    assert.match(refusal ?? '', /immutable/i);
    await tags.getByText('frozen-1', { exact: true }).waitFor();
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
  });

  test("refuses to delete an artifact holding an immutable tag, with the API's reason", async () => {
    await page.getByTestId('delete-artifact').click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    assert.match((await page.getByTestId('delete-artifact-error').textContent()) ?? '', /immutable/i);
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
  });

  test("shows a chart's values.yaml and README as text", async () => {
    const repositoryPage = page.url().replace(/\/repositories\/.*$/, '/repositories/mychart');
    await page.goto(`${repositoryPage}/-/artifacts/${chartDigest}`);
    await page.getByTestId('values').waitFor();
    assert.equal(await page.getByTestId('values').textContent(), VALUES_YAML);
    assert.equal(await page.getByTestId('readme').textContent(), README);
    await page.goBack();
  });

  test('in Chinese the repository and artifact pages show no English string', async () => {
    await page.getByText('中文').click();
    await page.reload();
    await page.getByTestId('build-history').getByText('RUN make').waitFor();
    await assertNoEnglish(page, 'artifact');
    await page.getByRole('link', { name: REPOSITORY, exact: true }).click();
    await page.waitForURL(/\/repositories\/team\/app$/);
    await page
      .getByTestId('artifacts')
      .getByRole('row', { name: /\bv1\b/ })
      .waitFor();
    await assertNoEnglish(page, 'repository');
  });
});
