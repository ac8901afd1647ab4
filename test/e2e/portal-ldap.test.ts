/**
 * LDAP settings in a real browser against a real `berth serve` and a real slapd: the
 * administrator picks LDAP as the authentication mode, fills in the directory's settings, the
 * test button says the server answers (and says why when the password is wrong), the settings
 * are saved, an LDAP user signs in to the portal, and the mode can no longer change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { BASE_DN, GROUPS_DN, passwordOf, READER_DN, READER_PASSWORD, skipUnlessSlapd, Slapd } from '../../src/testing/slapd.js';
import { assertNoEnglish, launchBrowser, openPortalPage, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

describe(
  'LDAP settings and sign-in in a browser',
  { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium') || skipUnlessSlapd(), timeout: 180_000 },
  () => {
    let slapd: Slapd;
    let server: RegistryServer;
    let browser: Browser;
    let page: Page;

    before(async () => {
      slapd = await Slapd.start({
        users: [
          { uid: 'portal-ldap', cn: 'Portal Person' },
          { uid: 'portal-import', cn: 'Imported Person' },
        ],
        groups: [{ cn: 'readers', members: ['portal-ldap'] }],
      });
      server = await startPortalServer();
      browser = await launchBrowser();
      page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
      await slapd?.stop();
    });

    const openAuthentication = async () => {
      await page.goto(`${server.url}/admin/configuration`);
      await page.getByTestId('auth-tab').click();
      await page.getByTestId('auth-mode-select').waitFor();
    };

    test('the administrator chooses LDAP, tests the server and saves the settings', async () => {
      await openAuthentication();
      await page.getByTestId('auth-mode-select').click();
      await page.locator('.ant-select-item-option[title="LDAP"]').click();
      await page.getByTestId('save-auth-mode').click();
      await page.getByText('Authentication mode saved').waitFor();

      await page.getByTestId('ldap_url').fill(slapd.url);
      await page.getByTestId('ldap_search_dn').fill(READER_DN);
      await page.getByTestId('ldap_search_password').fill('not-the-password');
      await page.getByTestId('ldap_base_dn').fill(BASE_DN);
      await page.getByTestId('ldap_uid').fill('uid');
      await page.getByTestId('ldap_group_base_dn').fill(GROUPS_DN);
      await page.getByTestId('ldap-test').click();
      await page
        .getByTestId('ldap-ping-result')
        .getByText(/Connection failed: .*refused the search DN's credentials/)
        .waitFor();

      await page.getByTestId('ldap_search_password').fill(READER_PASSWORD);
      await page.getByTestId('ldap-test').click();
      await page
        .getByTestId('ldap-ping-result')
        .getByText(/Connection works: connected to ldap:\/\/127\.0\.0\.1:\d+ and bound as cn=reader/)
        .waitFor();
      await page.getByTestId('ldap-save').click();
      await page.getByText('LDAP settings saved').waitFor();

      // Saved, and the password is never shown back: the field is empty after a reload.
      await openAuthentication();
      await page.waitForFunction((url) => (document.querySelector('[data-testid="ldap_url"]') as HTMLInputElement | null)?.value === url, slapd.url);
      assert.equal(await page.getByTestId('ldap_search_password').inputValue(), '');
      // The stored password serves the test button.
      await page.getByTestId('ldap-test').click();
      await page
        .getByTestId('ldap-ping-result')
        .getByText(/Connection works/)
        .waitFor();
    });

    test('an LDAP user signs in to the portal; the mode can then no longer change', async () => {
      const other = await openPortalPage(browser, server);
      await signIn(other, server.url, 'portal-ldap', passwordOf('portal-ldap'));
      await other.getByText('portal-ldap').first().waitFor();
      await other.context().close();

      await openAuthentication();
      await page.getByText(/The mode cannot change any more: 1 user\(s\) besides admin exist/).waitFor();
      assert.equal(await page.getByTestId('save-auth-mode').isDisabled(), true);
    });

    test('the administrator imports an LDAP user from the Users page', async () => {
      await page.goto(`${server.url}/admin/users`);
      await page.getByTestId('import-ldap-users').click();
      await page.getByTestId('ldap-import-search').fill('portal-import');
      await page.getByTestId('ldap-import-find').click();
      const row = page.getByRole('dialog').getByRole('row', { name: /portal-import\s*Imported Person\s*portal-import@example\.org/ });
      await row.getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Import selected' }).click();
      await page.getByText('1 user(s) imported').waitFor();
      await page.getByRole('tabpanel', { name: 'Users' }).getByRole('cell', { name: 'portal-import', exact: true }).waitFor();
    });

    test('the Authentication tab reads in Chinese', async () => {
      await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
      await openAuthentication();
      await page.getByText('测试 LDAP 服务器').waitFor();
      await assertNoEnglish(page, 'authentication tab', [slapd.url, READER_DN, BASE_DN, GROUPS_DN, 'uid', 'LDAP', 'memberof', 'cn']);
      await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
    });
  },
);
