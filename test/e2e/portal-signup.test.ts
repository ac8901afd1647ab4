/**
 * Self-registration in a real browser against a real `berth serve`: while the setting is off the
 * sign-in page has no sign-up link and the sign-up page says sign-up is off; once the administrator
 * turns it on, a visitor signs up (the server's password rule is shown as it words it) and signs in
 * as the new user; the pages read in Chinese.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic } from '../../src/testing/client.js';
import { assertNoEnglish, launchBrowser, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const NEWCOMER = 'portal-newcomer';
const PASSWORD = 'Newcomer-passw0rd';

describe('signing up in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 180_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;

  const setSelfRegistration = async (on: boolean) => {
    const res = await fetch(`${server.url}/api/v2.0/configurations`, {
      method: 'PUT',
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), 'content-type': 'application/json' },
      body: JSON.stringify({ self_registration: on }),
    });
    assert.equal(res.status, 200, await res.text());
  };
  /** The sign-in page, once it has learnt from the server that sign-up is `on` (or off). */
  const openSignIn = async (on: boolean) => {
    // The page left behind may still be navigating (signed out, it sends itself to sign-in): a visit that navigation aborts is made again.
    await page.goto(`${server.url}/sign-in`).catch(async (error: Error) => {
      if (!error.message.includes('ERR_ABORTED')) throw error;
      await page.goto(`${server.url}/sign-in`);
    });
    await page.locator(`[data-testid="sign-in-card"][data-sign-up="${on}"]`).waitFor();
  };

  before(async () => {
    server = await startPortalServer();
    browser = await launchBrowser();
    page = await openPortalPage(browser, server);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('while self-registration is off there is no sign-up link and the sign-up page says it is off', async () => {
    await openSignIn(false);
    assert.equal(await page.getByTestId('sign-up-link').count(), 0);
    await page.goto(`${server.url}/sign-up`);
    await page.getByText('Sign-up is off').waitFor();
    assert.equal(await page.getByLabel('Confirm password').count(), 0, 'no form is offered');
  });

  test('once it is on, a visitor signs up, is told the password rule, and signs in as the new user', async () => {
    await setSelfRegistration(true);
    await openSignIn(true);
    await page.getByTestId('sign-up-link').click();
    await page.waitForURL(/\/sign-up$/);
    // The URL changes before the page's code has loaded, while the sign-in form (its "Username or email") still shows.
    await page.getByLabel('Confirm password').waitFor();
    await page.getByLabel('Username', { exact: true }).fill(NEWCOMER);
    await page.getByLabel('Email', { exact: true }).fill(`${NEWCOMER}@example.com`);
    await page.getByLabel('Full name').fill('New Comer');
    await page.getByLabel('Password', { exact: true }).fill('weak');
    await page.getByLabel('Confirm password').fill('different');
    await page.getByTestId('sign-up-submit').click();
    await page.getByText('The two passwords differ').waitFor();

    await page.getByLabel('Confirm password').fill('weak');
    // The mismatch message folds away with an animation that moves the button; click once it has gone.
    await page.getByText('The two passwords differ').waitFor({ state: 'detached' });
    await page.getByTestId('sign-up-submit').click();
    assert.match((await page.getByTestId('sign-up-error').textContent()) ?? '', /at least one lowercase letter, one uppercase letter and one digit/);

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByTestId('sign-up-submit').click();
    await page.waitForURL(/\/sign-in$/);
    await page.getByTestId('signed-up').getByText(`Account ${NEWCOMER} created: sign in with it.`).waitFor();
    assert.equal(await page.getByLabel('Username or email').inputValue(), NEWCOMER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/projects/);
    await page.getByText(NEWCOMER).first().waitFor();
  });

  test('in Chinese no English string is left on the sign-in and sign-up pages', async () => {
    await page.context().clearCookies();
    await openSignIn(true);
    await page.getByText('中文').click();
    await page.getByTestId('sign-up-link').getByText('注册').waitFor();
    await assertNoEnglish(page, 'sign-in');
    await page.getByTestId('sign-up-link').click();
    await page.getByTestId('sign-up-submit').click();
    await page.getByText('必填').first().waitFor();
    await assertNoEnglish(page, 'sign-up');
    await setSelfRegistration(false);
    await page.reload();
    await page.getByText('注册已关闭').waitFor();
    await assertNoEnglish(page, 'sign-up off');
    await openSignIn(false);
    assert.equal(await page.getByTestId('sign-up-link').count(), 0);
  });
});
