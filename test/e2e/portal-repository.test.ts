/**
 * The portal's repository and artifact pages in a real browser against a real `berth serve`:
 * an image and a multi-arch index pushed through the registry API, their tags, sizes and
 * platforms, the pull command copied, the description and a chart's README as Markdown (and
 * never as HTML or script), a tag added and deleted, labels added and removed (and not by a
 * guest), the Signed column for an image with a cosign signature, the signature and an SBOM
 * listed as accessory and referrer and linked to their own pages, the build history, and the
 * pages in Chinese with no English left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { pushChart, pushImageWithHistory, pushIndex, pushReferrer, VALUES_YAML } from '../../src/artifacts/fixtures.suite.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, confirmIn, launchBrowser, motionSettled, openPortalPage, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-repo-e2e';
const REPOSITORY = 'team/app';
const GUEST = 'portal-repo-guest';
const GUEST_PASSWORD = 'Guest-passw0rd';
const PROJECT_LABEL = 'reviewed';
const GLOBAL_LABEL = 'e2e-approved';

/** A chart README trying raw HTML, script and a javascript: link, next to Markdown that is fine. */
const UNSAFE_README = [
  '# Unsafe chart',
  '',
  'Before <img src=x onerror="window.__xss = 1"> after',
  '',
  '<script>window.__xss = 2</script>',
  '',
  '[run me](javascript:window.__xss=3) or [read more](https://example.com/more)',
  '',
].join('\n');

/** Set by any script the page was tricked into running. */
const injected = (page: Page) => page.evaluate(() => (window as { __xss?: unknown }).__xss);

const short = (digest: string) => digest.slice(0, 'sha256:'.length + 12);

describe('the repository and artifact pages in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 600_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;
  let imageDigest: string;
  let signatureDigest: string;
  let sbomDigest: string;
  let chartDigest: string;
  let unsafeChartDigest: string;
  let globalLabelId = 0;

  const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
  const artifactUrl = (digest: string) => `${server.url}/projects/${projectId}/repositories/${REPOSITORY}/-/artifacts/${encodeURIComponent(digest)}`;

  before(async () => {
    server = await startPortalServer();
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
    const image = await pushImageWithHistory(client, name, 'v1');
    imageDigest = image.digest;
    // As cosign and an SBOM tool push them: OCI manifests naming the image as their subject.
    signatureDigest = (await pushReferrer(client, name, image, 'cosign')).digest;
    sbomDigest = (await pushReferrer(client, name, image, 'sbom')).digest;
    const amd64 = await pushImageWithHistory(client, name, 'amd64-build', 'amd64');
    const arm64 = await pushImageWithHistory(client, name, 'arm64-build', 'arm64');
    await pushIndex(client, name, 'multi', [
      { ...amd64, architecture: 'amd64' },
      { ...arm64, architecture: 'arm64' },
    ]);
    chartDigest = (await pushChart(client, `${PROJECT}/mychart`, '0.1.0')).digest;
    unsafeChartDigest = (await pushChart(client, `${PROJECT}/unsafe-chart`, '0.1.0', UNSAFE_README)).digest;
    projectId = ((await (await api('GET', `/projects/${PROJECT}`)).json()) as { project_id: number }).project_id;
    await api('POST', '/labels', { name: PROJECT_LABEL, scope: 'p', project_id: projectId, color: '#52c41a' });
    const global = await api('POST', '/labels', { name: GLOBAL_LABEL, scope: 'g', color: '#1677ff' });
    globalLabelId = Number(global.headers.get('location')?.split('/').pop());
    await api('POST', '/users', { username: GUEST, password: GUEST_PASSWORD, email: `${GUEST}@example.com`, realname: 'Guest' });
    await api('POST', `/projects/${PROJECT}/members`, { role_id: 3, member_user: { username: GUEST } });
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { clipboard: true, signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
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

  test('the Signed column shows the image with a cosign signature as signed, the index as not; nothing is scanned yet', async () => {
    const artifacts = page.getByTestId('artifacts');
    const image = artifacts.getByRole('row', { name: /\bv1\b/ });
    assert.equal(await image.getByTestId('signed').textContent(), 'Signed');
    await image.getByText('Not scanned', { exact: true }).waitFor();
    const index = artifacts.getByRole('row', { name: /\bmulti\b/ });
    assert.equal(await index.getByTestId('unsigned').textContent(), 'Not signed');
    await index.getByText('Not scanned', { exact: true }).waitFor();
  });

  test('a column hidden from the artifacts table stays hidden after a reload, and shows again', async () => {
    const header = page.getByTestId('artifacts').getByRole('columnheader', { name: 'Vulnerabilities' });
    await header.waitFor();
    await page.getByTestId('columns').click();
    await motionSettled(page, '.ant-popover');
    await page.getByTestId('column-picker').getByLabel('Vulnerabilities').uncheck();
    await header.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await page.getByTestId('column-picker').waitFor({ state: 'hidden' });
    await page.reload();
    await page
      .getByTestId('artifacts')
      .getByRole('row', { name: /\bv1\b/ })
      .waitFor();
    assert.equal(await header.count(), 0);
    await page.getByTestId('columns').click();
    await motionSettled(page, '.ant-popover');
    await page.getByTestId('column-picker').getByLabel('Vulnerabilities').check();
    await header.waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('column-picker').waitFor({ state: 'hidden' });
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
    // The switch re-renders the commands after the click returns: wait for the new text.
    await page.getByTestId('pull-by-digest').filter({ hasText: command }).waitFor();
    assert.equal((await page.getByTestId('pull-by-digest').textContent())?.trim(), command);
    await page.getByTestId('pull-by-digest').locator('.ant-typography-copy').click();
    await page.getByTestId('pull-by-digest').locator('.ant-typography-copy-success').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
    await page.keyboard.press('Escape');
  });

  test('edits the description: raw HTML and script in it are dropped, never rendered or run', async () => {
    await page.getByTestId('edit-description').click();
    await page.getByTestId('description-input').fill('First line <b>not bold</b>\n\n<img src=x onerror="window.__xss = 1">\n\n<script>window.__xss = 2</script>');
    await page.getByTestId('save-description').click();
    const description = page.getByTestId('description');
    await description.getByText('First line').waitFor();
    assert.equal((await description.innerText()).trim(), 'First line not bold');
    assert.equal(await description.locator('img, script, b').count(), 0);
    assert.equal(await injected(page), undefined);
  });

  test('the description renders Markdown: a heading, a list, a table and links, a javascript: one made harmless', async () => {
    await page.getByTestId('edit-description').click();
    await page
      .getByTestId('description-input')
      .fill(
        '# Berth demo\n\n- first item\n- second item\n\n| alpha | beta |\n| --- | --- |\n| one | two |\n\n[Berth docs](https://example.com/berth) and [trap](javascript:window.__xss=3)',
      );
    await page.getByTestId('save-description').click();
    const description = page.getByTestId('description');
    await description.getByRole('heading', { level: 1, name: 'Berth demo' }).waitFor();
    assert.deepEqual(await description.getByRole('listitem').allInnerTexts(), ['first item', 'second item']);
    await description.getByRole('table').getByRole('columnheader', { name: 'alpha' }).waitFor();
    await description.getByRole('table').getByRole('cell', { name: 'two' }).waitFor();
    const link = description.getByRole('link', { name: 'Berth docs' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/berth');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.doesNotMatch((await description.getByText('trap').getAttribute('href')) ?? '', /javascript/i);
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
    await confirmIn(page, 'Delete');
    await tags.getByText('release', { exact: true }).waitFor({ state: 'detached' });
    // An immutable tag is added, but its deletion is refused with the API's reason.
    await page.getByTestId('new-tag').fill('frozen-1');
    await page.getByTestId('add-tag').click();
    await tags
      .getByRole('row', { name: /frozen-1/ })
      .getByText('Immutable')
      .waitFor();
    await page.getByTestId('delete-tag-frozen-1').click();
    await confirmIn(page, 'Delete');
    const refusal = await page.getByTestId('tag-error').textContent();
    assert.match(refusal ?? '', /immutable/i);
    await tags.getByText('frozen-1', { exact: true }).waitFor();
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
  });

  test("refuses to delete an artifact holding an immutable tag, with the API's reason", async () => {
    await page.getByTestId('delete-artifact').click();
    await confirmIn(page, 'Delete');
    assert.match((await page.getByTestId('delete-artifact-error').textContent()) ?? '', /immutable/i);
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
  });

  test('adds a project label and a global label to the artifact, and removes one', async () => {
    const labels = page.getByTestId('artifact-labels');
    await labels.getByLabel('No labels').waitFor();
    for (const name of [PROJECT_LABEL, GLOBAL_LABEL]) {
      await page.getByTestId('label-choice').click();
      await page.locator(`.ant-select-item-option[title="${name}"]`).click();
      await page.getByTestId('add-label').click();
      await labels.getByTestId(`artifact-label-${name}`).waitFor();
    }
    await labels.getByRole('button', { name: `Remove label ${GLOBAL_LABEL}` }).click();
    await labels.getByTestId(`artifact-label-${GLOBAL_LABEL}`).waitFor({ state: 'detached' });
    await page.reload();
    await labels.getByTestId(`artifact-label-${PROJECT_LABEL}`).waitFor();
    assert.equal(await labels.getByTestId(`artifact-label-${GLOBAL_LABEL}`).count(), 0);
  });

  test("a refused label shows the API's message", async () => {
    await page.getByTestId('label-choice').click();
    await page.locator(`.ant-select-item-option[title="${GLOBAL_LABEL}"]`).click();
    // Someone else adds the same label meanwhile: the server refuses it a second time.
    await api('POST', `/projects/${PROJECT}/repositories/${encodeURIComponent(encodeURIComponent(REPOSITORY))}/artifacts/${imageDigest}/labels`, {
      id: globalLabelId,
    });
    await page.getByTestId('add-label').click();
    assert.match((await page.getByTestId('artifact-label-error').textContent()) ?? '', /already added/);
    await page.reload();
    await page.getByTestId('artifact-labels').getByTestId(`artifact-label-${GLOBAL_LABEL}`).waitFor();
  });

  test("a guest sees the artifact's labels but may neither add nor remove one", async () => {
    const guest = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const guestPage = await guest.newPage();
      guestPage.setDefaultTimeout(30_000);
      await signIn(guestPage, server.url, GUEST, GUEST_PASSWORD);
      await guestPage.goto(artifactUrl(imageDigest));
      const labels = guestPage.getByTestId('artifact-labels');
      await labels.getByTestId(`artifact-label-${PROJECT_LABEL}`).waitFor();
      await guestPage.getByTestId('tags').getByText('v1', { exact: true }).waitFor();
      assert.equal(await guestPage.getByTestId('label-choice').count(), 0);
      assert.equal(await guestPage.getByTestId('add-label').count(), 0);
      assert.equal(await labels.getByRole('button').count(), 0);
    } finally {
      await guest.close();
    }
  });

  test('lists the cosign signature as an accessory and the SBOM as a referrer, each linked to its own page', async () => {
    const accessories = page.getByTestId('accessories');
    const signature = accessories.getByRole('row', { name: /Cosign signature/ });
    await signature.waitFor();
    assert.match((await signature.textContent()) ?? '', new RegExp(short(signatureDigest)));
    assert.equal(await accessories.getByText(short(sbomDigest)).count(), 0);
    const referrers = page.getByTestId('referrers');
    const sbom = referrers.getByRole('row', { name: /application\/spdx\+json/ });
    await sbom.waitFor();
    assert.match((await sbom.textContent()) ?? '', new RegExp(`${short(sbomDigest)}.*\\d+ B`));
    assert.equal(await referrers.getByText(short(signatureDigest)).count(), 0);
    await sbom.getByTestId('attached-link').click();
    await page.waitForURL((url) => url.pathname.endsWith(`/-/artifacts/${encodeURIComponent(sbomDigest)}`));
    await page.getByRole('heading', { name: `${PROJECT}/${REPOSITORY}@${short(sbomDigest)}` }).waitFor();
    await page.goBack();
    await accessories
      .getByRole('row', { name: /Cosign signature/ })
      .getByTestId('attached-link')
      .click();
    await page.getByRole('heading', { name: `${PROJECT}/${REPOSITORY}@${short(signatureDigest)}` }).waitFor();
    await page.goBack();
    await page.getByTestId('build-history').getByText('RUN make').waitFor();
  });

  test("shows a chart's values.yaml as text and its README as Markdown", async () => {
    const repositoryPage = page.url().replace(/\/repositories\/.*$/, '/repositories/mychart');
    await page.goto(`${repositoryPage}/-/artifacts/${chartDigest}`);
    await page.getByTestId('values').waitFor();
    assert.equal(await page.getByTestId('values').textContent(), VALUES_YAML);
    const readme = page.getByTestId('readme');
    await readme.getByRole('heading', { level: 1, name: 'mychart' }).waitFor();
    await readme.getByText('A chart for tests.', { exact: true }).waitFor();
    await page.goBack();
  });

  test("a chart README's raw HTML, script and javascript: link are neither rendered nor run", async () => {
    const repositoryPage = page.url().replace(/\/repositories\/.*$/, '/repositories/unsafe-chart');
    await page.goto(`${repositoryPage}/-/artifacts/${unsafeChartDigest}`);
    const readme = page.getByTestId('readme');
    await readme.getByRole('heading', { level: 1, name: 'Unsafe chart' }).waitFor();
    await readme.getByText(/^Before\s+after$/).waitFor();
    assert.equal(await readme.locator('img, script').count(), 0);
    assert.doesNotMatch((await readme.getByText('run me').getAttribute('href')) ?? '', /javascript/i);
    const external = readme.getByRole('link', { name: 'read more' });
    assert.equal(await external.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await external.getAttribute('target'), '_blank');
    assert.equal(await injected(page), undefined);
    await page.goBack();
  });

  test('in Chinese the repository and artifact pages show no English string', async () => {
    await page.getByText('中文').click();
    await page.reload();
    await page.getByTestId('build-history').getByText('RUN make').waitFor();
    await page.getByTestId('referrers').getByText('application/spdx+json').waitFor();
    await page.getByTestId('artifact-labels').getByTestId(`artifact-label-${PROJECT_LABEL}`).waitFor();
    await assertNoEnglish(page, 'artifact');
    await page.getByRole('link', { name: REPOSITORY, exact: true }).click();
    await page.waitForURL(/\/repositories\/team\/app$/);
    await page
      .getByTestId('artifacts')
      .getByRole('row', { name: /\bv1\b/ })
      .waitFor();
    await page.getByTestId('artifacts').getByText('已签名').first().waitFor();
    await assertNoEnglish(page, 'repository');
  });
});
