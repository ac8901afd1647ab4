/**
 * Administration → Registries in a real browser against a real `berth serve` and a real CNCF
 * distribution (Debian's docker-registry, htpasswd): an endpoint is added after a connection test
 * with a wrong password and then the right one, shows healthy, is edited without retyping its
 * secret (the test connection of the stored endpoint uses the stored one), and deleted after
 * confirming; the API never shows the secret; and the page and its dialog in Chinese have no
 * English left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDistribution, type DistributionServer as Distribution } from '../../src/testing/distribution.js';
import { basic } from '../../src/testing/client.js';
import { assertAccessible, assertNoEnglish, dialogSettled, launchBrowser, motionSettled, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, skipUnlessTools, type RegistryServer } from './harness.js';

const REMOTE_USER = 'mirror';
const REMOTE_PASSWORD = 'Portal-remote-Passw0rd';
const ENDPOINT = 'cncf-distribution';
/** Product names of the providers are data in every language. */
const PROVIDERS = ['Harbor', 'Docker Registry'];

describe('the Registries administration page in a browser', { skip: skipUnlessTools('chromium', 'docker-registry', 'perl'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let remote: Distribution;
  let browser: Browser;
  let page: Page;
  const auth = { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) };

  before(async () => {
    remote = await startDistribution({ basicAuth: { username: REMOTE_USER, password: REMOTE_PASSWORD } });
    server = await startPortalServer();
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await remote?.stop();
  });

  const registryRow = (name: string) => page.getByRole('row', { name: new RegExp(`^${name} `) });

  test('an endpoint is added after a connection test, and shows healthy', async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByRole('tab', { name: 'Registries' }).click();
    await page.waitForURL(/\/admin\/registries$/);
    await page.getByRole('heading', { name: 'Registries' }).waitFor();

    await page.getByTestId('new-registry').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('Provider').click();
    await motionSettled(page, '.ant-select-dropdown');
    await page.locator('.ant-select-item-option[title="Docker Registry"]').click();
    await dialog.getByLabel('Name').fill(ENDPOINT);
    await dialog.getByLabel('Endpoint URL').fill(remote.url);
    await dialog.getByLabel('Access ID').fill(REMOTE_USER);
    await dialog.getByLabel('Access secret').fill('not-the-password');
    await dialog.getByTestId('registry-test').click();
    await dialog
      .getByTestId('registry-test-failed')
      .getByText(/refused the credentials of "mirror"/)
      .waitFor();
    await dialog.getByLabel('Access secret').fill(REMOTE_PASSWORD);
    await dialog.getByTestId('registry-test').click();
    await dialog.getByTestId('registry-test-passed').waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = registryRow(ENDPOINT);
    await row.getByText('Healthy').waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /Docker Registry/);
    assert.ok(text.includes(remote.url));
    assert.equal(await row.getByTestId('registry-verify').textContent(), 'Yes');
    // antd's tables size their columns with a hidden copy of the header row, as the accessibility suite allows.
    await assertAccessible(page, 'registries', [{ rule: 'aria-hidden-focus', selector: '.ant-table-measure-row' }]);

    const [saved] = (await (await fetch(`${server.url}/api/v2.0/registries?q=name=${ENDPOINT}`, { headers: auth })).json()) as Array<{
      credential: { access_key: string; access_secret: string };
    }>;
    assert.deepEqual(saved?.credential, { type: 'basic', access_key: REMOTE_USER, access_secret: '*****' });
  });

  test('the endpoint is edited without retyping its secret', async () => {
    const row = registryRow(ENDPOINT);
    await row.getByTestId('registry-edit').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    assert.equal(await dialog.getByLabel('Access secret').getAttribute('placeholder'), 'Unchanged unless you type a new one');
    await dialog.getByLabel('Description').fill('the CNCF registry next door');
    // The stored endpoint, tested by id: its stored secret still opens the registry.
    await dialog.getByTestId('registry-test').click();
    await dialog.getByTestId('registry-test-passed').waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('the CNCF registry next door').waitFor();
    await row.getByText('Healthy').waitFor();
  });

  test('the endpoint is deleted after confirming', async () => {
    await registryRow(ENDPOINT).getByTestId('registry-delete').click();
    const confirmation = page.locator('.ant-popconfirm:visible');
    await confirmation.getByRole('button', { name: 'Delete' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    await page.getByText(`Endpoint ${ENDPOINT} deleted`).waitFor();
    await registryRow(ENDPOINT).waitFor({ state: 'detached' });
    const left = (await (await fetch(`${server.url}/api/v2.0/registries`, { headers: auth })).json()) as unknown[];
    assert.equal(left.length, 0);
  });

  test('in Chinese the page and its dialog have no English left', async () => {
    const created = await fetch(`${server.url}/api/v2.0/registries`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'zh-endpoint',
        url: remote.url,
        type: 'docker-registry',
        credential: { access_key: REMOTE_USER, access_secret: REMOTE_PASSWORD },
      }),
    });
    assert.equal(created.status, 201);
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    try {
      await page.goto(`${server.url}/admin/registries`);
      await page.getByRole('tab', { name: '仓库管理' }).waitFor();
      await page.getByRole('heading', { name: '仓库管理' }).waitFor();
      await registryRow('zh-endpoint').getByText('健康').waitFor();
      await page.getByRole('button', { name: '新建目标' }).waitFor();
      await assertNoEnglish(page, 'registries', PROVIDERS);
      await page.getByTestId('new-registry').click();
      await dialogSettled(page);
      await page.getByRole('dialog').getByRole('button', { name: '测试连接' }).waitFor();
      await page.getByRole('dialog').getByText('验证远程证书').waitFor();
      await assertNoEnglish(page, 'new endpoint dialog', PROVIDERS);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    } finally {
      await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
    }
  });
});
