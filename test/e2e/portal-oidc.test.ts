/**
 * OIDC in a real browser against a real `berth serve` and a real OpenID provider (`oidc-provider`,
 * started here): the administrator turns OIDC on in the Configuration page's Authentication tab
 * and tests the server; a person signs in through the sign-in page's SSO button and the
 * provider's own login page, chooses a username, and finds their CLI secret in the user menu
 * (shown, regenerated: the old one stops working); a member of the provider's admin group gets
 * the administration pages; the pages read in Chinese.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic } from '../../src/testing/client.js';
import { startOidcProvider, type TestOidcProvider } from '../../src/testing/oidc.js';
import { assertNoEnglish, launchBrowser, openPortalPage, signIn, startPortalServerWith } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

describe('OIDC sign-in in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let provider: TestOidcProvider;
  let browser: Browser;

  before(async () => {
    server = await startPortalServerWith({ BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' });
    provider = await startOidcProvider({ redirectUris: [`${server.url}/c/oidc/callback`] });
    provider.accounts.set('carol-sub', { preferred_username: 'carol', name: 'Carol', groups: ['team-dev'] });
    provider.accounts.set('bob-sub', { preferred_username: 'bob', groups: ['berth-admins'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
  });

  /** From the sign-in page through the SSO button and the provider's login form, as `login`. */
  async function signInWithSso(page: Page, login: string): Promise<void> {
    await page.goto(`${server.url}/sign-in`);
    await page.getByTestId('sso-button').click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
  }

  test('the administrator turns OIDC on in the Authentication tab and tests the server', async () => {
    const page = await openPortalPage(browser, server);
    await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
    await page.goto(`${server.url}/admin/configuration`);
    await page.getByTestId('auth-tab').click();
    await page.getByTestId('auth-mode-select').click();
    await page.locator('.ant-select-item-option', { hasText: 'OIDC' }).click();
    await page.getByTestId('save-auth-mode').click();
    await page.getByText('Authentication mode saved').waitFor();
    await page.getByTestId('oidc-settings').waitFor();
    await page.getByTestId('oidc-name').fill('Company SSO');
    await page.getByTestId('oidc-endpoint').fill(provider.issuer);
    await page.getByTestId('oidc-client-id').fill(provider.clientId);
    await page.getByTestId('oidc-client-secret').fill(provider.clientSecret);
    await page.getByTestId('oidc-scope').fill('openid,profile,groups');
    await page.getByTestId('oidc-groups-claim').fill('groups');
    await page.getByTestId('oidc-admin-group').fill('berth-admins');
    await page.getByTestId('oidc-user-claim').fill('preferred_username');
    await page.getByTestId('oidc-ping').click();
    await page.getByText('The OIDC server answered its discovery document').waitFor();
    await page.getByTestId('oidc-save').click();
    await page.getByText('Configuration saved').first().waitFor();
    // Kept, and the secret is not shown back.
    await page.reload();
    await page.getByTestId('auth-tab').click();
    assert.equal(await page.getByTestId('oidc-endpoint').inputValue(), provider.issuer);
    assert.equal(await page.getByTestId('oidc-client-secret').inputValue(), '');
    await page.context().close();
  });

  test('a person signs in with the SSO button, chooses a username, and manages their CLI secret', async () => {
    const page = await openPortalPage(browser, server, { clipboard: true });
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('link', { name: 'Sign in with Company SSO' }).waitFor();
    await signInWithSso(page, 'carol-sub');
    await page.waitForURL(/\/oidc-onboard/);
    assert.equal(await page.getByTestId('oidc-onboard-username').inputValue(), 'carol');
    await page.getByTestId('oidc-onboard-username').fill('carol-portal');
    await page.getByTestId('oidc-onboard-submit').click();
    await page.waitForURL(/\/projects/);

    await page.getByTestId('user-menu').click();
    await page.getByTestId('cli-secret-menu').click();
    await page.getByTestId('cli-secret-show').click();
    const first = await page.getByTestId('cli-secret-value').inputValue();
    assert.match(first, /^[A-Za-z0-9]{32}$/);
    assert.equal((await fetch(`${server.url}/api/v2.0/users/current`, { headers: { authorization: basic('carol-portal', first) } })).status, 200);
    await page.getByTestId('cli-secret-copy').click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), first);

    await page.getByTestId('cli-secret-regenerate').click();
    await page.getByText('CLI secret changed: the old one no longer works').waitFor();
    await page.waitForFunction((old) => (document.querySelector('[data-testid="cli-secret-value"]') as HTMLInputElement | null)?.value !== old, first);
    const second = await page.getByTestId('cli-secret-value').inputValue();
    assert.equal((await fetch(`${server.url}/api/v2.0/users/current`, { headers: { authorization: basic('carol-portal', first) } })).status, 401);
    assert.equal((await fetch(`${server.url}/api/v2.0/users/current`, { headers: { authorization: basic('carol-portal', second) } })).status, 200);

    await page.getByTestId('cli-secret-choose').click();
    await page.getByTestId('cli-secret-new').fill('weak');
    await page.getByTestId('cli-secret-save').click();
    await page
      .getByTestId('cli-secret-error')
      .getByText(/CLI secret must be 8 to 128 characters/)
      .waitFor();
    await page.context().close();
  });

  test('a member of the provider’s admin group gets the administration pages', async () => {
    const page = await openPortalPage(browser, server);
    await signInWithSso(page, 'bob-sub');
    await page.waitForURL(/\/oidc-onboard/);
    await page.getByTestId('oidc-onboard-submit').click();
    await page.waitForURL(/\/projects/);
    await page.getByTestId('nav-admin').click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.context().close();
  });

  test('the sign-in, onboarding and CLI secret pages read in Chinese, and a refused sign-in says why', async () => {
    const page = await openPortalPage(browser, server);
    await page.goto(`${server.url}/sign-in`);
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    await page.goto(`${server.url}/sign-in?oidc_error=${encodeURIComponent('access_denied')}`);
    await page.getByRole('link', { name: '通过 Company SSO 登录' }).waitFor();
    await page
      .getByTestId('oidc-error')
      .getByText(/access_denied/)
      .waitFor();
    await assertNoEnglish(page, 'the sign-in page', ['Company SSO', 'access_denied']);

    provider.accounts.set('dan-sub', { preferred_username: 'dan', groups: [] });
    await signInWithSso(page, 'dan-sub');
    await page.waitForURL(/\/oidc-onboard/);
    await page.getByText('选择用户名').waitFor();
    await assertNoEnglish(page, 'the onboarding page');
    await page.getByTestId('oidc-onboard-submit').click();
    await page.waitForURL(/\/projects/);
    await page.getByTestId('user-menu').click();
    await page.getByTestId('cli-secret-menu').click();
    await page.getByTestId('cli-secret-regenerate').waitFor();
    await assertNoEnglish(page, 'the CLI secret dialog', ['dan']);
    await page.context().close();
  });
});
