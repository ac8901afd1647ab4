/**
 * A project's webhooks and the header's search in a real browser against a real `berth serve`:
 * the admin is refused a private target with the API's message (by saving and by testing it),
 * creates a webhook to a public address, disables it, finds the project from the header and
 * opens it, and the webhooks tab in Chinese has no English string left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-webhooks-e2e';
const PRIVATE_REFUSAL = /loopback, link-local or private address/;

describe(
  "a project's webhooks and the header's search in a browser",
  { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 600_000 },
  () => {
    let server: RegistryServer;
    let browser: Browser;
    let page: Page;
    let projectId = 0;

    const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
      const res = await fetch(`${server.url}/api/v2.0${path}`, {
        method,
        headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
      return res;
    };

    before(async () => {
      server = await startPortalServer();
      await api('POST', '/projects', { project_name: PROJECT, metadata: { public: 'false' } });
      projectId = ((await (await api('GET', `/projects/${PROJECT}`)).json()) as { project_id: number }).project_id;
      browser = await launchBrowser();
      page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('a private target is refused with the API message, when saved and when tested', async () => {
      await page.goto(`${server.url}/projects/${projectId}/repositories`);
      await page.getByRole('tab', { name: 'Webhooks' }).click();
      await page.waitForURL(/\/webhooks$/);
      await page.getByTestId('new-webhook').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name').fill('private-hook');
      await dialog.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/hook');
      await dialog.getByRole('button', { name: 'Save' }).click();
      assert.match((await page.getByTestId('webhook-error').textContent()) ?? '', PRIVATE_REFUSAL);
      await dialog.getByTestId('test-webhook').click();
      assert.match((await page.getByTestId('webhook-test-result').textContent()) ?? '', PRIVATE_REFUSAL);
    });

    test('a webhook to a public address is stored, listed and disabled', async () => {
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name').fill('public-hook');
      await dialog.getByLabel('Endpoint URL').fill('https://hooks.example.com/x');
      await dialog.getByLabel('Artifact deleted').check();
      await dialog.getByLabel('Replication finished').check();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const row = page.getByRole('row', { name: /public-hook/ });
      await row.getByText('https://hooks.example.com/x').waitFor();
      await row.getByText('Enabled', { exact: true }).waitFor();
      assert.equal(await page.getByRole('row', { name: /private-hook/ }).count(), 0);

      await row.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('tooltip').getByRole('button', { name: 'Disable' }).click();
      await row.getByText('Disabled', { exact: true }).waitFor();
      const [policy] = (await (await api('GET', `/projects/${PROJECT}/webhook/policies`)).json()) as Array<{ enabled: boolean; event_types: string[] }>;
      assert.equal(policy?.enabled, false);
      assert.deepEqual(policy?.event_types.sort(), ['DELETE_ARTIFACT', 'PUSH_ARTIFACT', 'REPLICATION']);

      await row.getByRole('button', { name: 'Deliveries' }).click();
      await page.getByRole('dialog').getByText('Nothing delivered yet').waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    });

    test('the header search finds the project and opens it', async () => {
      await page.goto(`${server.url}/projects`);
      await page.getByPlaceholder('Search projects and repositories').fill('webhooks-e2e');
      await page.locator('.ant-select-item-option', { hasText: PROJECT }).click();
      await page.waitForURL(new RegExp(`/projects/${projectId}/repositories$`));
      await page.getByRole('heading', { name: PROJECT }).waitFor();
    });

    test('in Chinese no English string is left on the webhooks tab and its dialog', async () => {
      await page.getByText('中文').click();
      await page.getByRole('tab', { name: 'Webhooks' }).click();
      await page
        .getByRole('row', { name: /public-hook/ })
        .getByText('已停用')
        .waitFor();
      await assertNoEnglish(page, 'webhooks');
      await page.getByTestId('new-webhook').click();
      await page.getByRole('dialog').getByText('推送制品').waitFor();
      await page.getByRole('dialog').getByText('复制完成').waitFor();
      await assertNoEnglish(page, 'new webhook dialog');
    });
  },
);
