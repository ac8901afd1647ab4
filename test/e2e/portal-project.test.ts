/**
 * A project's tabs in a real browser against a real `berth serve`: the admin adds a member and
 * changes the member's role, the member signs in and sees only what the role allows, a robot
 * account is created and its secret (read from the dialog) pushes an image, the robot is edited
 * down to pull and skopeo's push with it is refused, the audit log shows what happened, and every
 * tab in Chinese has no English string left.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, closeDialogWith, dialogSettled, launchBrowser, openPortalPage, robotSecretDialog, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, makeTempDir, RegistryServer, removeDir, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-project-e2e';
const MEMBER = 'portal-member';
const MEMBER_PASSWORD = 'Member-passw0rd';

describe("a project's tabs in a browser", { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium', 'skopeo'), timeout: 600_000 }, () => {
  let server: RegistryServer;
  let work = '';
  let browser: Browser;
  let page: Page;
  let projectId = 0;
  let robot = { name: '', secret: '' };

  const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
  const tab = async (name: string) => {
    await page.getByRole('tab', { name }).click();
  };

  before(async () => {
    server = await startPortalServer('skopeo');
    work = makeTempDir('portal-project');
    await api('POST', '/projects', { project_name: PROJECT, metadata: { public: 'false' } });
    projectId = ((await (await api('GET', `/projects/${PROJECT}`)).json()) as { project_id: number }).project_id;
    await api('POST', '/users', { username: MEMBER, password: MEMBER_PASSWORD, email: `${MEMBER}@example.com`, realname: 'Member' });
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { clipboard: true, signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (work) removeDir(work);
  });

  test('the summary shows the repository count, the quota and the members by role', async () => {
    await page.goto(`${server.url}/projects/${projectId}/summary`);
    const summary = page.getByTestId('project-summary');
    await summary.getByText('0 B used, no limit').waitFor();
    await summary.getByText('Project admin').waitFor();
  });

  test('adds a user as developer, refuses a second add with the API message, and changes the role to guest', async () => {
    await tab('Members');
    await page.waitForURL(/\/members$/);
    await page.getByTestId('add-member').click();
    const dialog = page.getByRole('dialog');
    // A radio clicked while the dialog still zooms in can be missed: chosen once it is still.
    await dialogSettled(page);
    await dialog.getByLabel('Username').fill(MEMBER);
    await dialog.getByLabel('Developer').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    // The dialog has closed before it is opened again, as a person sees it go.
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: new RegExp(MEMBER) });
    await row.getByText('Developer').waitFor();

    await page.getByTestId('add-member').click();
    await dialog.getByLabel('Username').fill(MEMBER);
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.match((await page.getByTestId('member-error').textContent()) ?? '', /already a member/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await row.getByRole('button', { name: 'Change role' }).click();
    await dialogSettled(page);
    await dialog.getByLabel('Guest', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('Guest', { exact: true }).waitFor();
  });

  test('the guest sees the project and its members, but no button to add one and no audit log', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const guest = await context.newPage();
      guest.setDefaultTimeout(30_000);
      await signIn(guest, server.url, MEMBER, MEMBER_PASSWORD);
      await guest.getByRole('link', { name: PROJECT }).click();
      await guest.getByRole('heading', { name: PROJECT }).waitFor();
      await guest.getByRole('tab', { name: 'Members' }).click();
      await guest
        .getByRole('row', { name: new RegExp(MEMBER) })
        .getByText('Guest', { exact: true })
        .waitFor();
      assert.equal(await guest.getByTestId('add-member').count(), 0);
      assert.equal(await guest.getByRole('button', { name: 'Change role' }).count(), 0);
      assert.equal(await guest.getByRole('tab', { name: 'Logs' }).count(), 0);
      await guest.getByRole('tab', { name: 'Robot accounts' }).click();
      await guest.waitForURL(/\/robots$/);
      // The tab has rendered (its table is there) before the missing button says anything.
      await guest.getByRole('tabpanel').getByRole('table').waitFor();
      assert.equal(await guest.getByTestId('new-robot').count(), 0);
      await guest.goto(`${server.url}/projects/${projectId}/logs`);
      await guest.getByText('This tab does not exist or your role in the project does not show it.').waitFor();
    } finally {
      await context.close();
    }
  });

  test('creates a robot with pull and push, copies its secret from the dialog, and the robot pushes an image', async () => {
    await tab('Robot accounts');
    await page.getByTestId('new-robot').click();
    await dialogSettled(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('ci');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const secretField = page.getByTestId('robot-secret');
    await secretField.waitFor();
    robot = { name: await page.getByTestId('robot-name').inputValue(), secret: await secretField.inputValue() };
    assert.equal(robot.name, `robot$${PROJECT}+ci`);
    assert.ok(robot.secret.length >= 8, 'a secret is shown');
    await page.getByTestId('copy-secret').click();
    await page.getByText('Copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), robot.secret);
    await closeDialogWith(robotSecretDialog(page), 'Done');
    const row = page.getByRole('row', { name: /\+ci/ });
    await row.getByText('repository:pull').waitFor();

    await new TestClient(server.url, basic(robot.name, robot.secret)).pushImage(`${PROJECT}/from-robot`, 'v1');
    await tab('Summary');
    await page.getByTestId('project-summary').locator('.ant-statistic-content-value').filter({ hasText: /^1$/ }).waitFor();
  });

  test('the audit log shows the member, robot and push rows, and filters by operation and resource type', async () => {
    await tab('Logs');
    await page
      .getByRole('row', { name: new RegExp(`member.*${PROJECT}:${MEMBER}`) })
      .first()
      .waitFor();
    await page.getByRole('row', { name: /robot/ }).first().waitFor();
    await page
      .getByRole('row', { name: /from-robot/ })
      .first()
      .waitFor();
    await page.getByTestId('log-operation').click();
    await page.getByTitle('Create').click();
    await page.waitForURL(/q=operation%3Dcreate/);
    await page
      .getByRole('row', { name: new RegExp(MEMBER) })
      .first()
      .waitFor();
    await page.getByTestId('log-resource-type').click();
    await page.getByTitle('artifact').click();
    await page.waitForURL(/q=operation%3Dcreate%2Cresource_type%3Dartifact/);
    await page
      .getByRole('row', { name: new RegExp(MEMBER) })
      .first()
      .waitFor({ state: 'detached' });
    await page
      .getByRole('row', { name: /from-robot/ })
      .first()
      .waitFor();
  });

  test('a label is created and edited; the configuration makes the project public', async () => {
    await tab('Labels');
    await page.getByTestId('new-label').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('Name').fill('release');
    await dialog.getByLabel('Description').fill('ready to ship');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // The dialog closes before the next opens: its fields are not the edit dialog's.
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /release/ });
    await row.getByText('ready to ship').waitFor();
    await row.getByRole('button', { name: 'Edit' }).click();
    await dialogSettled(page);
    await dialog.getByLabel('Description').fill('shipped');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('shipped', { exact: true }).waitFor();

    await tab('Configuration');
    await page.getByLabel('Public').click();
    await page.getByTestId('save-config').click();
    await page.getByText('Configuration saved').waitFor();
    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> };
    assert.equal(project.metadata.public, 'true');
  });

  test('refreshing the secret shows a new one that works; a disabled robot is refused; robot and member are removed', async () => {
    await tab('Robot accounts');
    const row = page.getByRole('row', { name: /\+ci/ });
    await row.getByRole('button', { name: 'Refresh secret' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Refresh secret' }).click();
    const secretField = page.getByTestId('robot-secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.notEqual(secret, robot.secret);
    robot.secret = secret;
    await closeDialogWith(robotSecretDialog(page), 'Done');
    await new TestClient(server.url, basic(robot.name, secret)).pushImage(`${PROJECT}/from-robot`, 'v2');

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled', { exact: true }).waitFor();
    await assert.rejects(new TestClient(server.url, basic(robot.name, secret)).pushImage(`${PROJECT}/from-robot`, 'v3'));
    await row.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Enabled', { exact: true }).waitFor();

    await page.getByTestId('new-robot').click();
    await dialogSettled(page);
    await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill('throwaway');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await closeDialogWith(robotSecretDialog(page), 'Done');
    const throwaway = page.getByRole('row', { name: /\+throwaway/ });
    await throwaway.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    await throwaway.waitFor({ state: 'detached' });

    await api('POST', '/users', { username: 'portal-leaver', password: MEMBER_PASSWORD, email: 'leaver@example.com', realname: 'Leaver' });
    await api('POST', `/projects/${PROJECT}/members`, { role_id: 3, member_user: { username: 'portal-leaver' } });
    await tab('Members');
    const leaver = page.getByRole('row', { name: /portal-leaver/ });
    await leaver.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Remove' }).click();
    await leaver.waitFor({ state: 'detached' });
  });

  test('editing the robot down to pull, a description and no expiry: skopeo pulls with it and its push is refused', async () => {
    await tab('Robot accounts');
    const row = page.getByRole('row', { name: /\+ci/ });
    await row.getByRole('button', { name: 'Edit' }).click();
    await dialogSettled(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Edit ${robot.name}`).waitFor();
    const repository = dialog.getByTestId('access-repository');
    assert.equal(await repository.getByLabel('push', { exact: true }).isChecked(), true, 'the form starts from what the robot holds');
    await repository.getByLabel('push', { exact: true }).uncheck();
    await dialog.getByLabel('Description').fill('pull only');
    await dialog.getByLabel('Never expires').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('pull only').waitFor();
    await row.getByText('Never', { exact: true }).waitFor();
    assert.equal(await row.getByText('repository:pull', { exact: true }).count(), 1);

    const skopeo = new ClientEnv(join(work, 'robot'), server.host);
    const creds = `${robot.name}:${robot.secret}`;
    const layout = join(work, 'pulled');
    await skopeo.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${server.host}/${PROJECT}/from-robot:v2`, `oci:${layout}:v2`]);
    const push = await skopeo.skopeo(
      ['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v2`, `docker://${server.host}/${PROJECT}/from-robot:narrowed`],
      { allowFail: true },
    );
    assert.notEqual(push.code, 0, 'the push is refused');
    assert.match(push.stderr, /denied|unauthorized/i);
  });

  test('in Chinese no English string is left on any tab', async () => {
    // The English notices of the steps before have faded.
    await page.waitForFunction(() => document.querySelectorAll('.ant-message-notice').length === 0, undefined, { timeout: 15_000 });
    await page.getByText('中文').click();
    await page.getByRole('tab', { name: '配置管理' }).waitFor();
    await assertNoEnglish(page, 'configuration');
    const tabs: Array<[string, string, () => Promise<void>]> = [
      ['概要', 'summary', () => page.getByText('各角色成员数').waitFor()],
      [
        '成员',
        'members',
        () =>
          page
            .getByRole('row', { name: new RegExp(MEMBER) })
            .getByText('访客')
            .waitFor(),
      ],
      ['机器人账户', 'robots', () => page.getByRole('row', { name: /\+ci/ }).getByText('已启用').waitFor()],
      ['标签', 'labels', () => page.getByRole('row', { name: /release/ }).waitFor()],
      [
        '日志',
        'logs',
        () =>
          page
            .getByRole('row', { name: /from-robot/ })
            .first()
            .waitFor(),
      ],
    ];
    for (const [name, where, loaded] of tabs) {
      await tab(name);
      await loaded();
      await assertNoEnglish(page, where);
    }
    await tab('机器人账户');
    await page.getByTestId('new-robot').click();
    await dialogSettled(page);
    await page.getByRole('dialog').getByText('更多权限').waitFor();
    await assertNoEnglish(page, 'new robot dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page
      .getByRole('row', { name: /\+ci/ })
      .getByRole('button', { name: /编\s*辑/ })
      .click();
    await page.getByRole('dialog').getByText('永不过期').waitFor();
    await assertNoEnglish(page, 'edit robot dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
  });

  test('changes the role of the selected members together, then removes them together', async () => {
    const names = ['portal-batch-a', 'portal-batch-b'];
    for (const username of names) {
      await api('POST', '/users', { username, password: MEMBER_PASSWORD, email: `${username}@example.com`, realname: 'Batch' });
      await api('POST', `/projects/${PROJECT}/members`, { role_id: 3, member_user: { username } });
    }
    // Last, so that its audit entries do not push the earlier ones off the logs tab's first page; back in English.
    await page.getByText('EN', { exact: true }).click();
    // Members added through the API since the page last read the list: a reload shows them, as it would a user.
    await page.reload();
    await tab('Members');
    const rows = names.map((name) => page.getByRole('row', { name: new RegExp(name) }));
    for (const row of rows) await row.getByRole('checkbox').check();
    await page.getByTestId('change-selected-roles').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Change the role of 2 members').waitFor();
    await dialogSettled(page);
    await dialog.getByLabel('Developer').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Roles of 2 members changed').waitFor();
    for (const row of rows) await row.getByText('Developer').waitFor();
    const members = (await (await api('GET', `/projects/${PROJECT}/members?entityname=portal-batch`)).json()) as Array<{ role_id: number }>;
    assert.deepEqual(
      members.map((m) => m.role_id),
      [2, 2],
    );

    for (const row of rows) await row.getByRole('checkbox').check();
    await page.getByTestId('remove-selected-members').click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('2 members removed').waitFor();
    for (const row of rows) await row.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: new RegExp(MEMBER) }).waitFor();
  });
});
