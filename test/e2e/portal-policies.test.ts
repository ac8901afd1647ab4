/**
 * A project's policies tab in a real browser against a real `berth serve`: the admin adds a tag
 * immutability rule (and sees the API refuse a pattern over the limits), disables it, edits it so
 * a protected tag can be deleted, adds a tag retention rule, starts a dry run and reads its task's
 * log in a dialog, a developer's real run is refused with the API's message, the admin edits the
 * retention rule and sees a dry run retain less, sets a daily schedule that stays after a reload
 * and sees the server refuse a cron firing every second, and the tab and its edit dialogs in
 * Chinese have no English string left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, dialogSettled, launchBrowser, motionSettled, openPortalPage, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-policies-e2e';

describe("a project's policies in a browser", { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 600_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;
  let client: TestClient;

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
    client = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    await client.pushImage(`${PROJECT}/app`, 'v1');
    await client.pushImage(`${PROJECT}/app`, 'v2');
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
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
    await dialogSettled(page);
    await dialog.getByLabel('Tag pattern').fill('*a'.repeat(40));
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.match((await page.getByTestId('immutable-rule-error').textContent()) ?? '', /at most 32 wildcards/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByTestId('add-immutable-rule').click();
    await dialogSettled(page);
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

  test('edits an immutability rule: the API refuses a pattern over the limits, and the tag it protected can be deleted', async () => {
    const section = page.getByTestId('immutability');
    const dialog = page.getByRole('dialog');
    const deleteV1 = () =>
      fetch(`${server.url}/api/v2.0/projects/${PROJECT}/repositories/app/artifacts/v1/tags/v1`, {
        method: 'DELETE',
        headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) },
      });
    const refused = await deleteV1();
    assert.equal(refused.status, 412, await refused.text());

    await section.getByRole('row', { name: /v1/ }).getByTestId('edit-immutable-rule').click();
    await dialog.getByText('Edit immutability rule').waitFor();
    await dialogSettled(page);
    assert.equal(await dialog.getByLabel('Repository pattern').inputValue(), 'app');
    assert.equal(await dialog.getByLabel('Tag pattern').inputValue(), 'v1');
    await dialog.getByLabel('Tag pattern').fill('*a'.repeat(40));
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.match((await page.getByTestId('immutable-rule-error').textContent()) ?? '', /at most 32 wildcards/);
    await dialog.getByLabel('Tag pattern').fill('v2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Immutability rule saved').waitFor();
    await section.getByRole('row', { name: /v2/ }).getByText('app', { exact: true }).waitFor();
    const rules = (await (await api('GET', `/projects/${PROJECT}/immutabletagrules`)).json()) as Array<{
      disabled: boolean;
      tag_selectors: Array<{ pattern: string }>;
    }>;
    assert.deepEqual(
      rules.map((r) => [r.disabled, r.tag_selectors.map((s) => s.pattern)]),
      [[false, ['v2']]],
    );

    const deleted = await deleteV1();
    assert.equal(deleted.status, 200, await deleted.text());
    // The tag comes back on the same artifact, for the retention tests that follow.
    await client.pushImage(`${PROJECT}/app`, 'v1');
  });

  test('adds a retention rule, runs a dry run and reads its log, which names the repository', async () => {
    const section = page.getByTestId('retention');
    const dialog = page.getByRole('dialog');
    await page.getByTestId('add-retention-rule').click();
    await dialogSettled(page);
    await dialog.getByLabel('Count').fill('3');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await section.getByText('the 3 most recently pushed artifacts').waitFor();
    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> };
    assert.ok(project.metadata.retention_id, 'the project has a retention policy');

    await page.getByTestId('retention-dry-run').click();
    const run = page.getByTestId('retention-executions').getByRole('row', { name: /Dry run/ });
    await run.getByText('Success').waitFor({ timeout: 60_000 });
    await run.getByRole('button', { name: 'Expand row' }).click();
    await page.getByRole('row', { name: /app/ }).getByTestId('retention-task-log').click();
    const log = page.getByTestId('retention-log');
    await log.getByText(new RegExp(`dry run: retention of ${PROJECT}/app`)).waitFor();
    assert.match((await log.textContent()) ?? '', /RETAINED/);
    await dialogSettled(page);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await dialog.waitFor({ state: 'hidden' });
  });

  test("a developer's real run is refused with the API's message; the developer sees no immutability rules", async () => {
    await api('POST', '/users', { username: 'policy-dev', password: 'Developer-passw0rd', email: 'policy-dev@example.com', realname: 'Dev' });
    await api('POST', `/projects/${PROJECT}/members`, { role_id: 2, member_user: { username: 'policy-dev' } });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const developer = await context.newPage();
      developer.setDefaultTimeout(30_000);
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

  test('edits the retention rule and a dry run retains fewer artifacts', async () => {
    const section = page.getByTestId('retention');
    const dialog = page.getByRole('dialog');
    const executions = page.getByTestId('retention-executions');
    /** The repository row of the newest dry run: [repository, status, artifacts, retained]. */
    const newestDryRun = async (): Promise<string[]> => {
      const run = executions.getByRole('row', { name: /Dry run/ }).first();
      await run.getByText('Success').waitFor({ timeout: 60_000 });
      const expand = run.getByRole('button', { name: 'Expand row' });
      if (await expand.count()) await expand.click();
      const task = run.locator('xpath=following-sibling::tr[1]').getByRole('row', { name: /app/ });
      await task.waitFor();
      return (await task.getByRole('cell').allTextContents()).slice(0, 4);
    };
    assert.deepEqual(await newestDryRun(), ['app', 'Success', '2', '2']);

    await section
      .getByRole('row', { name: /most recently pushed/ })
      .getByTestId('edit-retention-rule')
      .click();
    await dialog.getByText('Edit retention rule').waitFor();
    await dialogSettled(page);
    assert.equal(await dialog.getByLabel('Count').inputValue(), '3');
    assert.equal(await dialog.getByLabel('Repository pattern').inputValue(), '**');
    await dialog.getByLabel('Count').fill('1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await section.getByText('the 1 most recently pushed artifacts').waitFor();
    const policyId = Number(((await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> }).metadata.retention_id);
    const policy = (await (await api('GET', `/retentions/${policyId}`)).json()) as { rules: Array<{ params: Record<string, number> }> };
    assert.deepEqual(
      policy.rules.map((r) => r.params),
      [{ latestPushedK: 1 }],
    );

    await page.getByTestId('retention-dry-run').click();
    await executions
      .getByRole('row', { name: /Dry run/ })
      .nth(1)
      .waitFor();
    assert.deepEqual(await newestDryRun(), ['app', 'Success', '2', '1']);
  });

  test("sets a daily retention schedule that is there after a reload; a cron firing every second is refused with the server's message", async () => {
    const schedule = page.getByTestId('retention-schedule');
    await schedule.getByRole('combobox', { name: 'Schedule' }).click();
    await motionSettled(page, '.ant-select-dropdown');
    await page.locator('.ant-select-item-option[title="Daily"]').click();
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').waitFor({ state: 'hidden' });
    await schedule.getByTestId('retention-schedule-save').click();
    await page.getByText('Schedule saved').waitFor();
    const policyId = Number(((await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> }).metadata.retention_id);
    const trigger = async () => ((await (await api('GET', `/retentions/${policyId}`)).json()) as { trigger: { settings: { cron: string } } }).trigger;
    assert.equal((await trigger()).settings.cron, '0 0 0 * * *');

    await page.reload();
    await schedule.getByText('0 0 0 * * *').waitFor();
    await schedule.getByText('Daily', { exact: true }).waitFor();

    await schedule.getByRole('combobox', { name: 'Schedule' }).click();
    await motionSettled(page, '.ant-select-dropdown');
    await page.locator('.ant-select-item-option[title="Custom"]').click();
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').waitFor({ state: 'hidden' });
    await schedule.getByLabel('Cron expression').fill('* * * * * *');
    await schedule.getByTestId('retention-schedule-save').click();
    assert.match((await page.getByTestId('retention-schedule-error').textContent()) ?? '', /fires more often than once a minute/);
    assert.equal((await trigger()).settings.cron, '0 0 0 * * *');
    await page.reload();
    await schedule.getByText('0 0 0 * * *').waitFor();
  });

  test('in Chinese no English string is left on the policies tab and its add and edit dialogs', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.ant-message-notice').length === 0, undefined, { timeout: 30_000 });
    await page.getByText('中文').click();
    await page.getByRole('tab', { name: '策略' }).waitFor();
    await page.getByTestId('retention').getByText('最近推送的 1 个制品').waitFor();
    await page.getByTestId('retention-schedule').getByText('每天').waitFor();
    await page.getByTestId('retention-executions').getByText('成功').first().waitFor();
    await assertNoEnglish(page, 'policies');
    const dialog = page.getByRole('dialog');
    const cancel = async () => {
      await dialogSettled(page);
      await dialog
        .getByRole('button', { name: '取 消' })
        .or(dialog.getByRole('button', { name: '取消' }))
        .click();
      await dialog.waitFor({ state: 'hidden' });
    };
    await page.getByTestId('add-retention-rule').click();
    await dialog.getByText('添加保留规则').waitFor();
    await assertNoEnglish(page, 'retention rule dialog');
    await cancel();
    await page.getByTestId('edit-retention-rule').click();
    await dialog.getByText('编辑保留规则').waitFor();
    await assertNoEnglish(page, 'retention rule edit dialog');
    await cancel();
    await page.getByTestId('edit-immutable-rule').click();
    await dialog.getByText('编辑不可变规则').waitFor();
    await assertNoEnglish(page, 'immutability rule edit dialog');
    await cancel();
  });
});
