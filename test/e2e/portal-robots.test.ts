/**
 * System robot accounts in the portal's administration pages, in a real browser against a real
 * `berth serve`: the administrator creates a robot that may pull from two projects, reads its
 * secret from the dialog, and skopeo pulls from both with it and cannot push; the robot is edited
 * down to one project, its secret refreshed, disabled and deleted; the pages read in Chinese.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertNoEnglish, closeDialogWith, dialogSettled, launchBrowser, openPortalPage, robotSecretDialog, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, makeTempDir, RegistryServer, removeDir, skipUnlessTools, TARGET } from './harness.js';

const PROJECTS = ['robots-alpha', 'robots-beta'] as const;
const ROBOT = 'robot$mirror';

describe('system robot accounts in a browser', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium', 'skopeo'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let work = '';
  let skopeo: ClientEnv;
  let secret = '';

  const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
  const row = () => page.getByRole('row', { name: /robot\$mirror/ });
  /** skopeo copies `project/app:v1` out with the robot's secret; the exit code and stderr say how it went. */
  const pull = (project: string, as = secret) =>
    skopeo.skopeo(
      ['copy', '--src-tls-verify=false', '--src-creds', `${ROBOT}:${as}`, `docker://${server.host}/${project}/app:v1`, `oci:${join(work, project)}:v1`],
      {
        allowFail: true,
      },
    );
  const chooseProject = async (index: number, name: string) => {
    const grant = page.getByTestId(`project-grant-${index}`);
    await grant.getByRole('combobox', { name: 'Project' }).fill(name);
    await page.locator('.ant-select-dropdown:visible').getByTitle(name, { exact: true }).click();
    await grant.getByTitle(name, { exact: true }).waitFor();
  };

  before(async () => {
    server = await startPortalServer('skopeo');
    work = makeTempDir('portal-robots');
    skopeo = new ClientEnv(join(work, 'skopeo'), server.host);
    const admin = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    for (const project of PROJECTS) {
      await api('POST', '/projects', { project_name: project, metadata: { public: 'false' } });
      await admin.pushImage(`${project}/app`, 'v1');
    }
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { clipboard: true, signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (work) removeDir(work);
  });

  test('a system robot created with pull on two projects pulls from both with skopeo and cannot push', async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByRole('tab', { name: 'Robot accounts' }).click();
    await page.waitForURL(/\/admin\/robots$/);
    await page.getByTestId('new-robot').click();
    await dialogSettled(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('mirror');
    await dialog.getByLabel('Never expires').check();
    await page.getByTestId('add-project-grant').click();
    await chooseProject(0, PROJECTS[0]);
    await page.getByTestId('add-project-grant').click();
    await chooseProject(1, PROJECTS[1]);
    // A new project row offers pull alone.
    assert.equal(await page.getByTestId('project-grant-1').getByTestId('access-repository').getByLabel('push', { exact: true }).isChecked(), false);
    await dialog.getByRole('button', { name: 'Save' }).click();

    const secretField = page.getByTestId('robot-secret');
    await secretField.waitFor();
    assert.equal(await page.getByTestId('robot-name').inputValue(), ROBOT);
    secret = await secretField.inputValue();
    await page.getByTestId('copy-secret').click();
    await page.getByText('Copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await closeDialogWith(robotSecretDialog(page), 'Done');
    await row().getByText(`${PROJECTS[0]}:`).waitFor();
    await row().getByText(`${PROJECTS[1]}:`).waitFor();
    await row().getByText('Never', { exact: true }).waitFor();

    for (const project of PROJECTS) {
      const pulled = await pull(project);
      assert.equal(pulled.code, 0, `pull from ${project}: ${pulled.stderr}`);
    }
    const push = await skopeo.skopeo(
      [
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${ROBOT}:${secret}`,
        `oci:${join(work, PROJECTS[0])}:v1`,
        `docker://${server.host}/${PROJECTS[0]}/app:robot`,
      ],
      { allowFail: true },
    );
    assert.notEqual(push.code, 0, 'the push is refused');
    assert.match(push.stderr, /denied|unauthorized/i);
  });

  test('edited down to one project, the robot no longer pulls from the other', async () => {
    await row().getByRole('button', { name: 'Edit' }).click();
    await dialogSettled(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Edit ${ROBOT}`).waitFor();
    await page.getByTestId('project-grant-1').getByTitle(PROJECTS[1], { exact: true }).waitFor();
    await page.getByTestId('project-grant-1').getByRole('button', { name: 'Remove project' }).click();
    await dialog.getByLabel('Description').fill('mirrors alpha');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row().getByText('mirrors alpha').waitFor();
    assert.equal(await row().getByText(`${PROJECTS[1]}:`).count(), 0);

    assert.equal((await pull(PROJECTS[0])).code, 0);
    const refused = await pull(PROJECTS[1]);
    assert.notEqual(refused.code, 0, 'the project taken away cannot be pulled from');
  });

  test('the secret is refreshed, the robot disabled, enabled and deleted', async () => {
    await row().getByRole('button', { name: 'Refresh secret' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Refresh secret' }).click();
    const secretField = page.getByTestId('robot-secret');
    await secretField.waitFor();
    const fresh = await secretField.inputValue();
    assert.notEqual(fresh, secret);
    await closeDialogWith(robotSecretDialog(page), 'Done');
    assert.notEqual((await pull(PROJECTS[0])).code, 0, 'the old secret stops working');
    assert.equal((await pull(PROJECTS[0], fresh)).code, 0);
    secret = fresh;

    await row().getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Disable' }).click();
    await row().getByText('Disabled', { exact: true }).waitFor();
    assert.notEqual((await pull(PROJECTS[0])).code, 0, 'a disabled robot is refused');
    await row().getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Enable' }).click();
    await row().getByText('Enabled', { exact: true }).waitFor();

    await page.getByTestId('new-robot').click();
    await dialogSettled(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('throwaway');
    await dialog.getByText('What the robot may do across the registry').click();
    await dialog.getByTestId('system-permissions').getByTestId('access-audit-log').getByLabel('list', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await closeDialogWith(robotSecretDialog(page), 'Done');
    const throwaway = page.getByRole('row', { name: /robot\$throwaway/ });
    await throwaway.getByText('System:').waitFor();
    await throwaway.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    await throwaway.waitFor({ state: 'detached' });
  });

  test('in Chinese no English string is left on the robot list and its dialogs', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.ant-message-notice').length === 0, undefined, { timeout: 15_000 });
    await page.getByText('中文').click();
    await row().getByText('已启用').waitFor();
    await assertNoEnglish(page, 'system robots');
    await page.getByTestId('new-robot').click();
    await dialogSettled(page);
    await page.getByTestId('add-project-grant').click();
    await page.getByTestId('project-grant-0').getByText('更多权限').waitFor();
    await assertNoEnglish(page, 'new system robot dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await row()
      .getByRole('button', { name: /编\s*辑/ })
      .click();
    await page.getByTestId('project-grant-0').getByTitle(PROJECTS[0], { exact: true }).waitFor();
    await assertNoEnglish(page, 'edit system robot dialog');
  });
});
