/**
 * Administration → Replications in a real browser against a real `berth serve` and a real CNCF
 * distribution (Debian's docker-registry): an administrator adds the endpoint, writes a push rule
 * in the dialog, previews what it selects, replicates it and watches the execution succeed, reads
 * its tasks and a task's log, then disables, edits and deletes the rule; a user who is not an
 * administrator is not let in; and the page, its dialog and an execution in Chinese have no
 * English left.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { RegistryClient } from '../../src/platform/registry-client/index.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { startDistribution, type DistributionServer } from '../../src/testing/distribution.js';
import { assertAccessible, assertNoEnglish, dialogSettled, launchBrowser, motionSettled, openPortalPage, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, skipUnlessTools, type RegistryServer } from './harness.js';

const ENDPOINT = 'cncf-distribution';
const RULE = 'to-mirror';
const USER = 'replication-viewer';
const USER_PASSWORD = 'Viewer-passw0rd';
/** antd's tables size their columns with a hidden copy of the header row, as the accessibility suite allows. */
const TABLE_MEASURE_ROW = [{ rule: 'aria-hidden-focus', selector: '.ant-table-measure-row' }];

describe('the Replications administration page in a browser', { skip: skipUnlessTools('chromium', 'docker-registry'), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let remote: DistributionServer;
  let remoteClient: RegistryClient;
  let browser: Browser;
  let page: Page;
  const digests: Record<string, string> = {};

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
    remote = await startDistribution();
    remoteClient = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
    server = await startPortalServer('docker-registry');
    const local = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    for (const [repository, tag] of [
      ['library/app', 'v1'],
      ['library/app', 'v2'],
      ['library/app', 'latest'],
      ['library/tools', 'v1'],
    ] as const)
      digests[`${repository}:${tag}`] = (await local.pushImage(repository, tag, Buffer.from(`${repository}:${tag} layer`))).digest;
    await api('POST', '/users', { username: USER, password: USER_PASSWORD, email: `${USER}@example.com`, realname: 'Viewer' });
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remoteClient?.close();
    await remote?.stop();
  });

  const ruleRow = (name: string) => page.getByRole('row', { name: new RegExp(`${name} `) }).filter({ has: page.getByTestId('rule-status') });

  /** Chooses an option of the antd select labelled `label` in `scope`. */
  async function choose(scope: ReturnType<Page['getByRole']>, label: string, option: string): Promise<void> {
    await scope.getByLabel(label, { exact: true }).click();
    await motionSettled(page, '.ant-select-dropdown');
    await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`).click();
    await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
  }

  test('the administrator adds the endpoint, and a push rule whose preview lists what it selects', async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByRole('tab', { name: 'Registries' }).click();
    await page.getByTestId('new-registry').click();
    const endpointDialog = page.getByRole('dialog');
    await dialogSettled(page);
    await choose(endpointDialog, 'Provider', 'Docker Registry');
    await endpointDialog.getByLabel('Name').fill(ENDPOINT);
    await endpointDialog.getByLabel('Endpoint URL').fill(remote.url);
    await endpointDialog.getByRole('button', { name: 'Save' }).click();
    await endpointDialog.waitFor({ state: 'detached' });

    await page.getByRole('tab', { name: 'Replications' }).click();
    await page.waitForURL(/\/admin\/replications$/);
    await page.getByRole('heading', { name: 'Replications', exact: true }).waitFor();
    await page.getByTestId('new-rule').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByTestId('rule-name').fill(RULE);
    await dialog.getByLabel('Description').fill('the app, versions only');
    await dialog.getByPlaceholder('library/**').fill('library/app');
    await dialog.getByPlaceholder('v*').fill('v*');
    await choose(dialog, 'Destination registry', `${ENDPOINT}-${remote.url}`);
    await dialog.getByLabel('Destination namespace').fill('mirror');

    await dialog.getByTestId('rule-preview').click();
    const preview = dialog.getByTestId('rule-preview-result');
    await preview.getByTestId('rule-preview-summary').getByText('2 artifact(s) would be replicated.').waitFor();
    const rows = await preview.locator('tbody tr.ant-table-row').allTextContents();
    assert.equal(rows.length, 2);
    for (const tag of ['v1', 'v2']) {
      const row = rows.find((text) => text.includes(`library/app${tag}`));
      assert.ok(row, `the preview lists library/app:${tag}: ${rows.join(' | ')}`);
      assert.ok(row.includes(digests[`library/app:${tag}`]!.slice(0, 19)));
      assert.ok(row.endsWith('mirror/app'), row);
    }
    // A change to the rule drops the preview; asking again lists the rule as it now stands.
    await choose(dialog, 'Flattening', 'No flattening');
    await preview.waitFor({ state: 'detached' });
    await dialog.getByTestId('rule-preview').click();
    await dialog.getByTestId('rule-preview-result').getByText('mirror/library/app').first().waitFor();
    await choose(dialog, 'Flattening', 'Flatten 1 level');
    await dialog.getByTestId('rule-preview').click();
    await dialog.getByTestId('rule-preview-summary').waitFor();
    await assertAccessible(page, 'replication rule dialog', TABLE_MEASURE_ROW);

    await dialog.getByTestId('rule-save').click();
    await dialog.waitFor({ state: 'detached' });
    const row = ruleRow(RULE);
    await row.getByText('Enabled').waitFor();
    assert.equal(await row.getByTestId('rule-sides').textContent(), `Local → ${ENDPOINT} / mirror`);
    assert.equal(await row.getByTestId('rule-mode').textContent(), 'Push-based');
    assert.equal(await row.getByTestId('rule-trigger-cell').textContent(), 'Manual');
    await row.getByText('the app, versions only').waitFor();
    await assertAccessible(page, 'replications', TABLE_MEASURE_ROW);
  });

  test('replicating the rule runs an execution to Succeeded, whose tasks and logs say what was copied', async () => {
    await ruleRow(RULE).getByTestId('rule-replicate').click();
    const confirmation = page.locator('.ant-popconfirm:visible');
    await confirmation.getByRole('button', { name: 'Replicate' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    const executions = page.getByTestId('replication-executions');
    await executions.getByRole('heading', { name: `Executions of ${RULE}` }).waitFor();
    const execution = executions.locator('tbody tr.ant-table-row').first();
    // The list asks again by itself while the execution runs.
    await execution.getByTestId('execution-status').getByText('Succeeded').waitFor({ timeout: 90_000 });
    assert.equal(await execution.getByTestId('execution-total').textContent(), '2');
    assert.match((await execution.textContent()) ?? '', /100%/);
    for (const tag of ['v1', 'v2']) assert.equal((await remoteClient.headManifest('mirror/app', tag))?.digest, digests[`library/app:${tag}`]);
    assert.equal(await remoteClient.headManifest('mirror/app', 'latest'), undefined);

    await execution.getByTestId('execution-open').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByTestId('execution-detail-status').getByText('Succeeded').waitFor();
    const tasks = dialog.locator('tbody tr.ant-table-row');
    await tasks.nth(1).waitFor();
    const resources = (await dialog.getByTestId('task-resource').allTextContents()).sort();
    assert.deepEqual(resources, ['library/app:[v1]→ mirror/app:[v1]', 'library/app:[v2]→ mirror/app:[v2]']);
    assert.equal(await dialog.getByTestId('task-status').getByText('Succeeded').count(), 2);
    const first = tasks.filter({ hasText: 'library/app:[v1]' });
    assert.match((await first.textContent()) ?? '', /Copy/);
    await first.getByTestId('task-log').click();
    await motionSettled(page, '.ant-modal');
    const log = page.getByTestId('task-log-text');
    await log.getByText(/copied local library\/app:\[v1\] to http:\/\/127\.0\.0\.1:\d+ mirror\/app:\[v1\]/).waitFor();
    await page.keyboard.press('Escape');
    await log.waitFor({ state: 'detached' });
    await assertAccessible(page, 'replication execution', TABLE_MEASURE_ROW);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  test('the rule is disabled and edited in its dialog, then deleted after confirming', async () => {
    await ruleRow(RULE).getByTestId('rule-edit').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    assert.equal(await dialog.getByTestId('rule-name').inputValue(), RULE);
    assert.equal(await dialog.getByLabel('Destination namespace').inputValue(), 'mirror');
    await dialog.getByText('Enable rule').click();
    await dialog.getByLabel('Description').fill('paused for now');
    await dialog.getByTestId('rule-save').click();
    await dialog.waitFor({ state: 'detached' });
    const row = ruleRow(RULE);
    await row.getByText('Disabled').waitFor();
    await row.getByText('paused for now').waitFor();
    assert.equal(await row.getByTestId('rule-replicate').isDisabled(), true);
    const [saved] = (await (await api('GET', `/replication/policies?name=${RULE}`)).json()) as Array<{
      enabled: boolean;
      filters: unknown[];
      dest_namespace_replace_count: number;
    }>;
    assert.deepEqual(
      [saved?.enabled, saved?.dest_namespace_replace_count, saved?.filters],
      [
        false,
        1,
        [
          { type: 'name', value: 'library/app', decoration: 'matches' },
          { type: 'tag', value: 'v*', decoration: 'matches' },
        ],
      ],
    );

    await row.getByTestId('rule-delete').click();
    const confirmation = page.locator('.ant-popconfirm:visible');
    await confirmation.getByRole('button', { name: 'Delete' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    await page.getByText(`Rule ${RULE} deleted`).waitFor();
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(await (await api('GET', '/replication/policies')).json(), []);
  });

  test('a running execution is stopped after confirming', async () => {
    // 256 KiB that do not compress, sent at 1 KiB/s: the copy runs for minutes unless stopped.
    await new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD)).pushImage('library/big', 'v1', randomBytes(256 * 1024));
    const [registry] = (await (await api('GET', '/registries')).json()) as Array<{ id: number }>;
    const created = await api('POST', '/replication/policies', {
      name: 'slow-rule',
      dest_registry: { id: registry!.id },
      filters: [{ type: 'name', value: 'library/big' }],
      speed: 1,
      enabled: true,
    });
    const policyId = Number(created.headers.get('location')?.split('/').pop());
    await api('POST', '/replication/executions', { policy_id: policyId });
    await page.goto(`${server.url}/admin/replications`);
    const run = page.getByTestId('replication-executions').getByRole('row', { name: /slow-rule/ });
    await run.getByTestId('execution-status').getByText('In progress').waitFor();
    await run.getByTestId('execution-stop').click();
    const confirmation = page.locator('.ant-popconfirm:visible');
    await confirmation.getByRole('button', { name: 'Stop' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    // The list keeps asking while the execution runs, and shows it stopped once its task has.
    await run.getByTestId('execution-status').getByText('Stopped').waitFor({ timeout: 90_000 });
    assert.equal(await run.getByTestId('execution-stop').count(), 0);
    await api('DELETE', `/replication/policies/${policyId}`);
  });

  test('a user who is not an administrator is not let in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const other = await context.newPage();
      other.setDefaultTimeout(30_000);
      await signIn(other, server.url, USER, USER_PASSWORD);
      assert.equal(await other.getByTestId('nav-admin').count(), 0);
      await other.goto(`${server.url}/admin/replications`);
      await other.getByTestId('admin-forbidden').waitFor();
      assert.equal(await other.getByTestId('new-rule').count(), 0);
    } finally {
      await context.close();
    }
  });

  test('in Chinese the page, the rule dialog and an execution have no English left', async () => {
    const [registry] = (await (await api('GET', '/registries')).json()) as Array<{ id: number }>;
    const created = await api('POST', '/replication/policies', {
      name: 'zh-rule',
      description: '中文规则',
      dest_registry: { id: registry!.id },
      dest_namespace: 'zh',
      filters: [{ type: 'name', value: 'library/tools' }],
      trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 3 * * *' } },
      enabled: true,
    });
    const policyId = Number(created.headers.get('location')?.split('/').pop());
    await api('POST', '/replication/executions', { policy_id: policyId });
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    try {
      await page.goto(`${server.url}/admin/replications`);
      await page.getByRole('tab', { name: '复制管理' }).waitFor();
      const row = ruleRow('zh-rule');
      await row.getByText('已启用').waitFor();
      await row.getByText('定时').waitFor();
      const executions = page.getByTestId('replication-executions');
      await executions.getByRole('heading', { name: '所有规则的执行记录' }).waitFor();
      // The run of the rule deleted above is still listed, under the rule's id.
      const run = executions.getByRole('row', { name: /zh-rule/ });
      await run.getByTestId('execution-status').getByText('成功').waitFor({ timeout: 90_000 });
      await assertNoEnglish(page, 'replications');

      await run.getByTestId('execution-open').click();
      await dialogSettled(page);
      const dialog = page.getByRole('dialog');
      await dialog.getByTestId('task-status').getByText('成功').waitFor();
      await dialog.getByTestId('task-log').click();
      await motionSettled(page, '.ant-modal');
      await page
        .getByTestId('task-log-text')
        .getByText(/copied local library\/tools/)
        .waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('task-log-text').waitFor({ state: 'detached' });
      await assertNoEnglish(page, 'replication execution');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      await row.getByTestId('rule-edit').click();
      await dialogSettled(page);
      // antd spaces a two-character Chinese label out: the button reads 预 览.
      await page.getByRole('dialog').getByTestId('rule-preview').click();
      await page.getByTestId('rule-preview-summary').getByText('将复制 1 个制品。').waitFor();
      await assertNoEnglish(page, 'replication rule dialog');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    } finally {
      await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
    }
  });
});
