/**
 * A Helm chart's page in the portal, in a real browser against a real `berth serve`: two
 * versions uploaded through the classic chart repository API, then the chart's artifact page
 * shows both ways to install it (`helm repo add` + `helm install repo/chart`, and
 * `helm install oci://…`), copied with one click, the versions of the chart linked to each
 * other, its dependencies, values.yaml and README; and the same page in Chinese with no
 * English left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { chartUploadForm, packageChart } from '../../src/charts/fixtures.suite.js';
import { basic } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-charts';
const AUTH = basic(ADMIN_USER, ADMIN_PASSWORD);

describe('a Helm chart in the portal', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;
  const digests = new Map<string, string>();

  const artifactUrl = (digest: string) => `${server.url}/projects/${projectId}/repositories/webapp/-/artifacts/${encodeURIComponent(digest)}`;

  before(async () => {
    server = await startPortalServer();
    const created = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: PROJECT }),
    });
    assert.equal(created.status, 201, await created.text());
    for (const version of ['1.1.0', '1.2.0']) {
      const spec = { name: 'webapp', version, appVersion: `2.${version}`, readme: `# webapp ${version}\n\nThe web app, packaged.\n` };
      const res = await fetch(`${server.url}/api/chartrepo/${PROJECT}/charts`, {
        method: 'POST',
        headers: { authorization: AUTH },
        body: chartUploadForm(await packageChart(spec), `webapp-${version}.tgz`),
      });
      assert.equal(res.status, 201, await res.text());
      const artifact = (await (
        await fetch(`${server.url}/api/v2.0/projects/${PROJECT}/repositories/webapp/artifacts/${version}`, { headers: { authorization: AUTH } })
      ).json()) as {
        digest: string;
        project_id: number;
      };
      digests.set(version, artifact.digest);
      projectId = artifact.project_id;
    }
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { clipboard: true, signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('shows both ways to install the chart, and copies them', async () => {
    await page.goto(artifactUrl(digests.get('1.2.0')!));
    const host = new URL(server.url).host;
    const classic = page.getByTestId('helm-repo-add');
    await classic.waitFor();
    assert.equal(
      (await classic.textContent())?.trim(),
      `helm repo add ${PROJECT} ${server.url}/chartrepo/${PROJECT}\nhelm install my-webapp ${PROJECT}/webapp --version 1.2.0`,
    );
    const oci = page.getByTestId('helm-install-oci');
    assert.equal((await oci.textContent())?.trim(), `helm install my-webapp oci://${host}/${PROJECT}/webapp --version 1.2.0`);
    await oci.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `helm install my-webapp oci://${host}/${PROJECT}/webapp --version 1.2.0`);
    // The repository URL the page gives is the one Helm's client reads.
    const index = await fetch(`${server.url}/chartrepo/${PROJECT}/index.yaml`, { headers: { authorization: AUTH } });
    assert.equal(index.status, 200);
    assert.match(await index.text(), /webapp-1\.2\.0\.tgz/);
  });

  test('lists the versions of the chart, linked to each other, with its dependencies, values and README', async () => {
    const versions = page.getByTestId('chart-versions');
    await versions.getByRole('row', { name: /2\.1\.1\.0/ }).waitFor();
    assert.match((await versions.getByRole('row', { name: /2\.1\.2\.0/ }).textContent()) ?? '', /1\.2\.0/);
    const dependencies = page.getByTestId('chart-dependencies');
    await dependencies.getByRole('row', { name: /redis/ }).waitFor();
    assert.match((await dependencies.getByRole('row', { name: /redis/ }).textContent()) ?? '', /17\.0\.0.*charts\.example\.invalid/);
    await page
      .getByTestId('values')
      .getByText(/replicaCount: 1/)
      .waitFor();
    await page.getByTestId('readme').getByRole('heading', { level: 1, name: 'webapp 1.2.0' }).waitFor();
    await versions.getByRole('link', { name: '1.1.0' }).click();
    await page.waitForURL((url) => url.pathname.endsWith(encodeURIComponent(digests.get('1.1.0')!)));
    await page.getByTestId('readme').getByRole('heading', { level: 1, name: 'webapp 1.1.0' }).waitFor();
    assert.match((await page.getByTestId('helm-install-oci').textContent()) ?? '', /--version 1\.1\.0$/);
  });

  test('in Chinese the chart page shows no English string', async () => {
    await page.getByText('中文').click();
    await page.reload();
    await page.getByTestId('chart-dependencies').getByRole('row', { name: /redis/ }).waitFor();
    await page.getByText('使用 Helm 安装').waitFor();
    await assertNoEnglish(page, 'chart');
  });
});
