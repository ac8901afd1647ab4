/**
 * A project's policies tab in a real browser against a real `berth serve`: the admin adds a tag
 * immutability rule (and sees the API refuse a pattern over the limits), disables it, adds a tag
 * retention rule, starts a dry run and reads its task's log in a dialog, a developer's real run is
 * refused with the API's message, and the tab in Chinese has no English string left.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, signIn } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, REPO_ROOT, RegistryServer, requireTools, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-policies-e2e';

describe("a project's policies in a browser", { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 90_000 }, () => {
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
    requireTools('chromium');
    if (!existsSync(join(REPO_ROOT, 'dist', 'web', 'index.html'))) throw new Error('the portal is not built: run npm run build');
    server = await RegistryServer.start();
    await api('POST', '/projects', { project_name: PROJECT, metadata: { public: 'false' } });
    projectId = ((await (await api('GET', `/projects/${PROJECT}`)).json()) as { project_id: number }).project_id;
    const client = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    await client.pushImage(`${PROJECT}/app`, 'v1');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('adds an immutability rule, shows the refusal of a pattern over the limits, and disables the rule', async () => {
    await page.goto(`${server.url}/projects/${projectId}/repositories`);
    await page.getByRole('tab', { name: 'Policies' }).click();
    await page.waitForURL(/\/policies$/);
    const section = page.getByTestId('immutability');
    const dialog = page.getByRole('dialog');

    await page.getByTestId('add-immutable-rule').click();
    await dialog.getByLabel('Tag pattern').fill('*a'.repeat(40));
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.match((await page.getByTestId('immutable-rule-error').textContent()) ?? '', /at most 32 wildcards/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByTestId('add-immutable-rule').click();
    await dialog.getByLabel('Repository pattern').fill('app');
    await dialog.getByLabel('Tag pattern').fill('v1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = section.getByRole('row', { name: /v1/ });
    await row.getByText('app', { exact: true }).waitFor();
    const rules = async () => (await (await api('GET', `/projects/${PROJECT}/immutabletagrules`)).json()) as Array<{ disabled: boolean }>;
    assert.deepEqual(
      (await rules()).map((r) => r.disabled),
      [false],
    );

    await row.getByRole('switch').click();
    await page.getByText('Rule disabled').waitFor();
    assert.deepEqual(
      (await rules()).map((r) => r.disabled),
      [true],
    );
    await row.getByRole('switch').click();
    await page.getByText('Rule enabled').waitFor();
  });

  test('adds a retention rule, runs a dry run and reads its log, which names the repository', async () => {
    const section = page.getByTestId('retention');
    const dialog = page.getByRole('dialog');
    await page.getByTestId('add-retention-rule').click();
    await dialog.getByLabel('Count').fill('3');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await section.getByText('the 3 most recently pushed artifacts').waitFor();
    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> };
    assert.ok(project.metadata.retention_id, 'the project has a retention policy');

    await page.getByTestId('retention-dry-run').click();
    const run = page.getByTestId('retention-executions').getByRole('row', { name: /Dry run/ });
    await run.getByText('Success').waitFor({ timeout: 20_000 });
    await run.getByRole('button', { name: 'Expand row' }).click();
    await page.getByRole('row', { name: /app/ }).getByTestId('retention-task-log').click();
    const log = page.getByTestId('retention-log');
    await log.getByText(new RegExp(`dry run: retention of ${PROJECT}/app`)).waitFor();
    assert.match((await log.textContent()) ?? '', /RETAINED/);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await dialog.waitFor({ state: 'hidden' });
  });

  test("a developer's real run is refused with the API's message; the developer sees no immutability rules", async () => {
    await api('POST', '/users', { username: 'policy-dev', password: 'Developer-passw0rd', email: 'policy-dev@example.com', realname: 'Dev' });
    await api('POST', `/projects/${PROJECT}/members`, { role_id: 2, member_user: { username: 'policy-dev' } });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const developer = await context.newPage();
      developer.setDefaultTimeout(10_000);
      await signIn(developer, server.url, 'policy-dev', 'Developer-passw0rd');
      await developer.goto(`${server.url}/projects/${projectId}/policies`);
      await developer.getByTestId('retention').getByText('the 3 most recently pushed artifacts').waitFor();
      assert.equal(await developer.getByTestId('immutability').count(), 0);
      await developer.getByTestId('retention-run').click();
      await developer.getByRole('tooltip').getByRole('button', { name: 'Run now' }).click();
      assert.match((await developer.getByTestId('retention-error').textContent()) ?? '', /a retention run deletes artifacts/);
    } finally {
      await context.close();
    }
  });

  test('in Chinese no English string is left on the policies tab', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.ant-message-notice').length === 0, undefined, { timeout: 15_000 });
    await page.getByText('中文').click();
    await page.getByRole('tab', { name: '策略' }).waitFor();
    await page.getByTestId('retention').getByText('最近推送的 3 个制品').waitFor();
    await page.getByTestId('retention-executions').getByText('成功').first().waitFor();
    await assertNoEnglish(page, 'policies');
    await page.getByTestId('add-retention-rule').click();
    await page.getByRole('dialog').getByText('添加保留规则').waitFor();
    await assertNoEnglish(page, 'retention rule dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: '取 消' })
      .or(page.getByRole('dialog').getByRole('button', { name: '取消' }))
      .click();
  });
});
