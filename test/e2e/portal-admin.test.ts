/**
 * The portal's administration pages in a real browser against a real `berth serve`: an
 * administrator creates a user, makes them administrator and back, resets their password, creates
 * a global label, runs a garbage collection dry run and reads its log, changes self-registration and finds it kept after a reload, reads
 * the audit log and sees the pages in Chinese; a user who is not an administrator sees no
 * administration link and a "not allowed" page at its address; the administrator then deletes them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { assertNoEnglish, launchBrowser, openPortalPage, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const USER = 'portal-admin-e2e';
const USER_PASSWORD = 'Portal-e2e-passw0rd';
const NEW_PASSWORD = 'Reset-e2e-passw0rd';

describe('the portal administration pages in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 600_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startPortalServer();
    browser = await launchBrowser();
    page = await openPortalPage(browser, server);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const userRow = () => page.getByRole('row', { name: new RegExp(USER) });

  test('the administrator creates a user, makes them administrator and back', async () => {
    await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
    await page.getByTestId('nav-admin').click();
    await page.waitForURL(/\/admin\/users$/);
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.getByTestId('new-user').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Username').fill(USER);
    await dialog.getByLabel('Email').fill(`${USER}@example.com`);
    await dialog.getByLabel('Full name').fill('Portal Tester');
    await dialog.getByLabel('Password').fill(USER_PASSWORD);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await userRow().getByText('User', { exact: true }).waitFor();
    await userRow().getByRole('button', { name: 'Make administrator' }).click();
    await userRow().getByText('Administrator', { exact: true }).waitFor();
    await userRow().getByRole('button', { name: 'Remove administrator' }).click();
    await userRow().getByText('User', { exact: true }).waitFor();
    await page.getByPlaceholder('Search by username').fill('e2e');
    await page.getByPlaceholder('Search by username').press('Enter');
    await page.waitForURL(/q=e2e/);
    await page.getByRole('row', { name: /admin@/ }).waitFor({ state: 'detached' });
    await userRow().waitFor();
  });

  test("the administrator resets the user's password; a weak one shows the API refusal", async () => {
    await userRow().getByRole('button', { name: 'Reset password' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New password').fill('weak');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog
      .getByText(/password/i)
      .nth(1)
      .waitFor();
    await dialog.getByLabel('New password').fill(NEW_PASSWORD);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Password of ${USER} reset`).waitFor();
  });

  test('a global label is created and listed', async () => {
    await page.getByRole('tab', { name: 'Labels' }).click();
    await page.getByTestId('new-label').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('e2e-global');
    await dialog.getByLabel('Description').fill('made in the browser');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /e2e-global.*made in the browser/ }).waitFor();
  });

  test('a garbage collection dry run finishes and its log opens in a dialog', async () => {
    await page.getByRole('tab', { name: 'Garbage collection' }).click();
    await page.waitForURL(/\/admin\/gc$/);
    await page.getByTestId('gc-dry-run').click();
    const run = page.getByRole('row', { name: /Manual\s*Yes/ }).first();
    await run.getByText('Success').waitFor({ timeout: 30_000 });
    await run.getByRole('button', { name: 'Log' }).click();
    const log = page.getByRole('dialog').getByTestId('gc-log');
    await log.getByText(/dry run: \d+ untagged artifacts would be deleted/).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  test('self-registration is switched and stays so after a reload', async () => {
    await page.getByRole('tab', { name: 'Configuration' }).click();
    await page.getByTestId('auth-mode').getByText('Database').waitFor();
    const toggle = page.getByTestId('self-registration');
    await toggle.waitFor();
    const before = await toggle.getAttribute('aria-checked');
    await toggle.click();
    await page.getByTestId('save-config').click();
    await page.getByText('Configuration saved').waitFor();
    await page.reload();
    await page.getByTestId('auth-mode').waitFor();
    await page.waitForFunction((was) => document.querySelector('[data-testid="self-registration"]')?.getAttribute('aria-checked') !== was, before);
  });

  test('the audit log lists what the administrator did', async () => {
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page.waitForURL(/\/admin\/audit$/);
    await page
      .getByRole('row', { name: new RegExp(`${ADMIN_USER}.*${USER}`) })
      .first()
      .waitFor();
    await page.getByLabel('Filter by').click();
    await page.locator('.ant-select-item-option[title="Resource"]').click();
    await page.waitForURL(/by=resource$/);
    await page.getByTestId('audit-search').locator('input').fill(USER);
    await page.getByTestId('audit-search').locator('input').press('Enter');
    await page.waitForURL(/q=portal-admin-e2e/);
    await page
      .getByRole('row', { name: new RegExp(`${USER}`) })
      .first()
      .waitFor();
  });

  test('the system information and storage show', async () => {
    await page.getByRole('tab', { name: 'System' }).click();
    await page.getByTestId('storage-free').waitFor();
    assert.match((await page.getByTestId('storage-free').textContent()) ?? '', /\d.*B/);
  });

  test('in Chinese no English string is left on the administration pages', async () => {
    await page.getByText('中文').click();
    await page.getByRole('heading', { name: '系统管理' }).waitFor();
    for (const [tab, ready] of [
      ['users', () => userRow().waitFor()],
      ['gc', () => page.getByRole('row', { name: /手动/ }).first().waitFor()],
      [
        'audit',
        () =>
          page
            .getByRole('row', { name: new RegExp(ADMIN_USER) })
            .first()
            .waitFor(),
      ],
      ['jobs', () => page.getByText('工作池', { exact: true }).first().waitFor()],
      ['configuration', () => page.getByTestId('auth-mode').getByText('数据库').waitFor()],
      ['system', () => page.getByTestId('storage-free').waitFor()],
      ['labels', () => page.getByTestId('new-label').waitFor()],
    ] as const) {
      await page.goto(`${server.url}/admin/${tab}`);
      await ready();
      await assertNoEnglish(page, `admin ${tab}`);
    }
  });

  test('a user who is not an administrator sees no administration link and is not allowed in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await context.newPage();
    other.setDefaultTimeout(30_000);
    try {
      await signIn(other, server.url, USER, NEW_PASSWORD);
      await other.getByRole('heading', { name: 'Projects' }).waitFor();
      assert.equal(await other.getByTestId('nav-admin').count(), 0);
      await other.goto(`${server.url}/admin/users`);
      await other.getByTestId('admin-forbidden').getByText('Not allowed').waitFor();
      await other.getByText('Only system administrators may open the administration pages.').waitFor();
    } finally {
      await context.close();
    }
  });

  test('the administrator deletes the user after confirming', async () => {
    await page.goto(`${server.url}/admin/users`);
    await userRow()
      .getByRole('button', { name: /^删\s*除$/ })
      .click();
    await page
      .getByRole('tooltip')
      .getByRole('button', { name: /^删\s*除$/ })
      .click();
    await page.getByText(`用户 ${USER} 已删除`).waitFor();
    await userRow().waitFor({ state: 'detached' });
  });
});
