/**
 * The web portal in a real browser (Debian's chromium, driven by playwright-core) against a real
 * `berth serve`: sign in, create a project, see an image pushed through the registry API,
 * switch to Chinese and to the dark theme, and find both remembered after a reload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-e2e';

describe('the web portal in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 600_000 }, () => {
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

  test('a wrong password shows the API message, and the admin signs in', async () => {
    await page.goto(`${server.url}/projects`);
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Username or email').fill(ADMIN_USER);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sign-in-error').getByText('invalid username or password').waitFor();
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/projects$/);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('link', { name: 'library' }).waitFor();
  });

  test('creates a project, and a taken name shows the API refusal', async () => {
    await page.getByTestId('new-project').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(PROJECT);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: PROJECT }).waitFor();
    // The dialog closes (with its animation) before it is opened again, so the second fill lands in the new one.
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('new-project').click();
    await dialog.getByLabel('Name').waitFor();
    await dialog.getByLabel('Name').fill(PROJECT);
    await dialog.getByRole('button', { name: 'Save' }).click();
    const refusal = await page.getByTestId('create-project-error').textContent();
    assert.match(refusal ?? '', /already exists|exists/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  test('searches projects on the server', async () => {
    await page.getByPlaceholder('Search by name').fill('e2e');
    await page.getByPlaceholder('Search by name').press('Enter');
    await page.waitForURL(/q=e2e/);
    await page.getByRole('link', { name: 'library' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: PROJECT }).waitFor();
  });

  test('shows a repository pushed through the registry API, with its artifact count', async () => {
    await new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD)).pushImage(`${PROJECT}/hello`, 'v1');
    await page.getByRole('link', { name: PROJECT }).click();
    await page.waitForURL(/\/projects\/\d+\/repositories/);
    const row = page.getByRole('row', { name: new RegExp(`${PROJECT}/hello`) });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(`${PROJECT}/hello\\s*1\\s*0`));
  });

  test('refusing to delete a project that holds repositories shows why', async () => {
    await page.goto(`${server.url}/projects?q=e2e`);
    await page
      .getByRole('row', { name: new RegExp(PROJECT) })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    await page.getByText(`project ${PROJECT} holds repositories; delete them first`).waitFor();
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
    await page.getByRole('link', { name: PROJECT }).waitFor();
  });

  test('in Chinese no English string is left, and the choice survives a reload', async () => {
    await page.getByText('中文').click();
    await page.getByRole('heading', { name: '项目' }).waitFor();
    await assertNoEnglish(page, 'projects');
    await page.getByRole('link', { name: PROJECT }).click();
    await page.getByRole('row', { name: new RegExp(`${PROJECT}/hello`) }).waitFor();
    await assertNoEnglish(page, 'project');
    await page.reload();
    await page.getByRole('tab', { name: '镜像仓库' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  });

  test('the dark theme is switched on and remembered', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.querySelector('.ant-layout') as Element).backgroundColor);
    const light = await background();
    await page.getByTestId('theme').click();
    await page.waitForFunction((before) => getComputedStyle(document.querySelector('.ant-layout') as Element).backgroundColor !== before, light);
    const dark = await background();
    const [r = 255, g = 255, b = 255] = (dark.match(/\d+/g) ?? []).map(Number);
    assert.ok(r + g + b < 200, `a dark background, not ${dark}`);
    await page.reload();
    await page.getByRole('tab', { name: '镜像仓库' }).waitFor();
    assert.equal(await background(), dark);
  });

  test('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/projects`);
    await page.getByRole('heading', { name: '项目' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
  });
});
