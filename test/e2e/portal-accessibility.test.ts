/**
 * The portal's pages checked with axe-core in a real browser against a real `berth serve`: the
 * sign-in page, the projects list with its create dialog, every project tab, a repository and an
 * artifact, and every administration page, in the light and the dark theme. Any serious or
 * critical violation (a button without a name, text without contrast, ...) fails the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pushImageWithHistory } from '../../src/artifacts/fixtures.suite.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { assertAccessible, launchBrowser, signIn, startPortalServer, type AxeExclusion } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'a11y-e2e';
const REPOSITORY = 'team/app';
const PROJECT_TABS = ['repositories', 'summary', 'members', 'robots', 'labels', 'logs', 'policies', 'configuration', 'webhooks'];
const ADMIN_SECTIONS = ['users', 'usergroups', 'gc', 'audit', 'jobs', 'configuration', 'system', 'labels'];
const THEMES = ['light', 'dark'] as const;
/**
 * antd's tables size their columns with a hidden copy of the header row (`aria-hidden`, zero
 * height); with row selection that copy holds a second select-all checkbox. The row is antd's
 * own and cannot be left out from outside, and the real checkbox in the header is named and
 * reachable, so this one rule is not applied inside that row.
 */
const ANTD_EXCLUSIONS: AxeExclusion[] = [{ rule: 'aria-hidden-focus', selector: '.ant-table-measure-row' }];

/** Waits until the page has loaded what it shows: no request under way, no spinner, no skeleton. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('.ant-spin-spinning, .ant-skeleton-active'), undefined, { timeout: 20_000 });
  // antd's entrance animations fade colours in; contrast is measured once they are over.
  await page.waitForFunction(() => document.getAnimations().every((animation) => animation.playState !== 'running'), undefined, { timeout: 20_000 });
}

describe('the portal passes axe-core in both themes', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 1_200_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let projectId: number;
  let artifactDigest: string;

  before(async () => {
    server = await startPortalServer();
    const auth = basic(ADMIN_USER, ADMIN_PASSWORD);
    const created = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: PROJECT }),
    });
    assert.equal(created.status, 201, await created.text());
    const project = (await (await fetch(`${server.url}/api/v2.0/projects/${PROJECT}`, { headers: { authorization: auth } })).json()) as { project_id: number };
    projectId = project.project_id;
    artifactDigest = (await pushImageWithHistory(new TestClient(server.url, auth), `${PROJECT}/${REPOSITORY}`, 'v1')).digest;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const theme of THEMES) {
    describe(`in the ${theme} theme`, () => {
      let context: BrowserContext;
      let page: Page;

      before(async () => {
        context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.addInitScript((mode) => localStorage.setItem('berth.theme', mode), theme);
        page = await context.newPage();
        page.setDefaultTimeout(20_000);
        await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
      });

      after(async () => {
        await context?.close();
      });

      test('the sign-in page', async () => {
        const signedOut = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await signedOut.addInitScript((mode) => localStorage.setItem('berth.theme', mode), theme);
        const signInPage = await signedOut.newPage();
        await signInPage.goto(`${server.url}/sign-in`);
        await signInPage.getByLabel('Password').waitFor();
        await settle(signInPage);
        try {
          await assertAccessible(signInPage, `sign-in (${theme})`, ANTD_EXCLUSIONS);
        } finally {
          await signedOut.close();
        }
      });

      test('the projects list and the create-project dialog', async () => {
        await page.goto(`${server.url}/projects`);
        await page.getByRole('link', { name: PROJECT }).waitFor();
        await settle(page);
        await assertAccessible(page, `projects (${theme})`, ANTD_EXCLUSIONS);
        await page.getByTestId('new-project').click();
        await page.getByRole('dialog').getByLabel('Name').waitFor();
        await settle(page);
        await assertAccessible(page, `create project (${theme})`, ANTD_EXCLUSIONS);
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
      });

      for (const tab of PROJECT_TABS) {
        test(`the project's ${tab} tab`, async () => {
          await page.goto(`${server.url}/projects/${projectId}/${tab}`);
          await page.getByRole('tab', { name: /Repositories/ }).waitFor();
          await settle(page);
          await assertAccessible(page, `project ${tab} (${theme})`, ANTD_EXCLUSIONS);
        });
      }

      test('a repository and an artifact', async () => {
        await page.goto(`${server.url}/projects/${projectId}/repositories/${REPOSITORY}`);
        await page.getByRole('row', { name: /\bv1\b/ }).waitFor();
        await settle(page);
        await assertAccessible(page, `repository (${theme})`, ANTD_EXCLUSIONS);
        await page.goto(`${server.url}/projects/${projectId}/repositories/${REPOSITORY}/-/artifacts/${encodeURIComponent(artifactDigest)}`);
        await page.getByTestId('build-history').getByText('RUN make').waitFor();
        await settle(page);
        await assertAccessible(page, `artifact (${theme})`, ANTD_EXCLUSIONS);
      });

      for (const section of ADMIN_SECTIONS) {
        test(`the administration's ${section} page`, async () => {
          await page.goto(`${server.url}/admin/${section}`);
          // The first selected tab is the section's; a section may hold tabs of its own (Configuration's).
          await page.getByRole('tab', { selected: true }).first().waitFor();
          await settle(page);
          await assertAccessible(page, `admin ${section} (${theme})`, ANTD_EXCLUSIONS);
        });
      }
    });
  }
});
