/** The New Project dialog makes a proxy cache project of a registry endpoint chosen from a list. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { api, expectJson } from '../../src/testing/api.js';
import { basic } from '../../src/testing/client.js';
import { launchBrowser, openPortalPage, signIn, startPortalServer } from './browser.js';
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
});
