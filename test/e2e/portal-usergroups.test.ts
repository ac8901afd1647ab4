/**
 * User groups in the portal, in a real browser against a real `berth serve`: the administrator
 * adds an HTTP and an LDAP group on the User Groups page (beside the users), renames one and deletes the other;
 * in a project's Members tab an OIDC group is added beside the users and shown as a group; the
 * pages pass axe and read in Chinese.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic } from '../../src/testing/client.js';
import { assertAccessible, assertNoEnglish, dialogSettled, launchBrowser, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'groups-e2e';
const LDAP_DN = 'cn=ops,ou=groups,dc=example,dc=com';
/** antd's hidden header copy used to size columns; see portal-accessibility.test.ts. */
const ANTD_EXCLUSIONS = [{ rule: 'aria-hidden-focus', selector: '.ant-table-measure-row' }];

interface GroupJson {
  id: number;
  group_name: string;
  group_type: number;
  ldap_group_dn: string;
}

describe('user groups in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const groupRow = (name: string) => page.getByRole('row', { name: new RegExp(`^${name} `) });

  before(async () => {
    server = await startPortalServer();
    await api('POST', '/projects', { project_name: PROJECT, metadata: { public: 'false' } });
    projectId = (await api<{ project_id: number }>('GET', `/projects/${PROJECT}`)).project_id;
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the administrator adds an HTTP and an LDAP group, renames one and deletes the other', async () => {
    await page.getByTestId('nav-admin').click();
    // Groups sit beside the users, under the Users tab.
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByTestId('users-or-groups').getByText('User Groups').click();
    await page.waitForURL(/\/admin\/usergroups$/);

    await page.getByTestId('new-usergroup').click();
    let dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('Group name').fill('builders');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await groupRow('builders').getByText('HTTP').waitFor();

    await page.getByTestId('new-usergroup').click();
    dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('LDAP', { exact: true }).check();
    await dialog.getByLabel('LDAP group DN').fill(LDAP_DN);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // Without a name, the LDAP group takes the DN's first value.
    await groupRow('ops').getByText(LDAP_DN).waitFor();

    // The same HTTP name again is refused in the API's words.
    await page.getByTestId('new-usergroup').click();
    dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('Group name').fill('builders');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('usergroup-error')
      .getByText(/already exists/)
      .waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await assertAccessible(page, 'user groups', ANTD_EXCLUSIONS);

    await groupRow('builders').getByRole('button', { name: 'Rename' }).click();
    dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('Group name').fill('release');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await groupRow('release').waitFor();

    await groupRow('ops').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    await groupRow('ops').waitFor({ state: 'detached' });

    const groups = await api<GroupJson[]>('GET', '/usergroups');
    assert.deepEqual(
      groups.map((g) => [g.group_name, g.group_type]),
      [['release', 2]],
    );
  });

  test("a project's Members tab adds an OIDC group beside the users and shows it as a group", async () => {
    await page.goto(`${server.url}/projects/${projectId}/members`);
    await page.getByTestId('add-group-member').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('OIDC', { exact: true }).check();
    await dialog.getByLabel('Group name').fill('sso-devs');
    await dialog.getByLabel('Developer').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /sso-devs/ });
    await row.getByText('Group', { exact: true }).waitFor();
    await row.getByText('Developer').waitFor();
    await page.getByRole('row', { name: /admin/ }).getByText('User', { exact: true }).waitFor();
    await assertAccessible(page, 'project members with a group', ANTD_EXCLUSIONS);

    const members = await api<Array<{ entity_name: string; entity_type: string; role_id: number }>>('GET', `/projects/${PROJECT}/members`);
    assert.deepEqual(
      members.map((m) => [m.entity_name, m.entity_type, m.role_id]),
      [
        ['admin', 'u', 1],
        ['sso-devs', 'g', 2],
      ],
    );
    const [oidc] = await api<GroupJson[]>('GET', '/usergroups?group_name=sso-devs');
    assert.equal(oidc?.group_type, 3);
  });

  test('in Chinese no English string is left on the user groups page, its dialog and the add-group dialog', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.ant-message-notice').length === 0, undefined, { timeout: 15_000 });
    await page.getByText('中文').click();
    await page.getByTestId('add-group-member').getByText('添加组').waitFor();
    await page.getByTestId('add-group-member').click();
    await dialogSettled(page);
    await assertNoEnglish(page, 'add group member dialog', ['OIDC', 'LDAP', 'HTTP', 'sso-devs', 'admin']);
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });

    await page.goto(`${server.url}/admin/usergroups`);
    await groupRow('release').waitFor();
    await assertNoEnglish(page, 'user groups', ['HTTP', 'release']);
    await page.getByTestId('new-usergroup').click();
    await dialogSettled(page);
    await assertNoEnglish(page, 'new user group dialog', ['OIDC', 'LDAP', 'HTTP', 'release']);
  });
});
