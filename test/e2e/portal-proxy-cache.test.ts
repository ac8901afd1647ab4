/** The New Project dialog makes a proxy cache project of a registry endpoint chosen from a list; its configuration sets its bandwidth. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { api, expectJson } from '../../src/testing/api.js';
import { basic } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const ADMIN = basic(ADMIN_USER, ADMIN_PASSWORD);

describe('the proxy cache switch of the New Project dialog', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let registryId: number;

  before(async () => {
    server = await startPortalServer();
    // Nothing listens there: the endpoint is stored (unhealthy) all the same, which is all the dialog needs.
    const created = await api(server.url, 'POST', '/registries', {
      authorization: ADMIN,
      body: { name: 'upstream-hub', type: 'docker-registry', url: 'http://127.0.0.1:9' },
    });
    await expectJson(created, 201);
    registryId = Number(created.headers.get('location')?.split('/').pop());
    browser = await launchBrowser();
    page = await openPortalPage(browser, server);
    await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('an administrator creates a proxy cache project of the chosen endpoint', async () => {
    await page.goto(`${server.url}/projects`);
    await page.getByTestId('new-project').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('hub');
    await dialog.getByTestId('create-project-proxy-cache').click();
    await dialog.getByRole('combobox').click();
    await page.getByText('upstream-hub (http://127.0.0.1:9)').click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'hub' }).waitFor();
    const project = await expectJson<{ registry_id?: number }>(await api(server.url, 'GET', '/projects/hub', { authorization: ADMIN }), 200);
    assert.equal(project.registry_id, registryId);
  });

  test('the configuration of the proxy cache project sets its bandwidth, refuses 0, and reads in Chinese', async () => {
    const project = await expectJson<{ project_id: number }>(await api(server.url, 'GET', '/projects/hub', { authorization: ADMIN }), 200);
    await page.goto(`${server.url}/projects/${project.project_id}/configuration`);
    const bandwidth = page.getByLabel('Bandwidth');
    assert.equal(await bandwidth.inputValue(), '-1');
    await bandwidth.fill('0');
    await page.getByTestId('save-config').click();
    await page.getByText('Enter -1 (unlimited) or a whole number of KB/s from 1').waitFor();
    await bandwidth.fill('512');
    await page.getByTestId('save-config').click();
    await page.getByText('Configuration saved').waitFor();
    const saved = await expectJson<{ metadata: Record<string, string> }>(await api(server.url, 'GET', '/projects/hub', { authorization: ADMIN }), 200);
    assert.equal(saved.metadata.proxy_speed_kb, '512');

    await page.waitForFunction(() => document.querySelectorAll('.ant-message-notice').length === 0, undefined, { timeout: 15_000 });
    await page.getByText('中文').click();
    await page.getByText('代理缓存').waitFor();
    assert.equal(await page.getByLabel('带宽').inputValue(), '512');
    await assertNoEnglish(page, 'proxy cache configuration');
  });
});
