/**
 * The portal without a mouse, and on a phone, in a real browser against a real `berth serve`:
 * signing in, opening a project, switching tabs, the create-project dialog (Escape closes it and
 * gives focus back, Enter saves it) and signing out with the keyboard alone, with the focus
 * visible on the way; and at 390 px wide, the header's navigation drawer and no page wider than
 * the screen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { basic, TestClient } from '../../src/testing/client.js';
import { launchBrowser, signIn, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'keyboard-e2e';

interface Focused {
  tag: string;
  text: string;
  role: string | null;
  testId: string | null;
  selected: string | null;
  /** An outline or a ring drawn with box-shadow: what shows the keyboard where it is. */
  ring: boolean;
}

function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { tag: 'body', text: '', role: null, testId: null, selected: null, ring: false };
    const style = getComputedStyle(element);
    return {
      tag: element.tagName.toLowerCase(),
      text: (element.getAttribute('aria-label') ?? element.innerText ?? '').trim(),
      role: element.getAttribute('role'),
      testId: element.getAttribute('data-testid'),
      selected: element.getAttribute('aria-selected'),
      ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
    };
  });
}

/** Presses Tab (or Shift+Tab) until the focused element is the one wanted, and checks that the focus shows. */
async function tabTo(page: Page, wanted: (element: Focused) => boolean, what: string, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  const seen: string[] = [];
  for (let presses = 0; presses < 60; presses++) {
    await page.keyboard.press(key);
    const element = await focused(page);
    if (wanted(element)) {
      assert.ok(element.ring, `the focus on ${what} is not visible`);
      return;
    }
    seen.push(`${element.tag}${element.role ? `[${element.role}]` : ''} "${element.text.slice(0, 30)}"`);
  }
  assert.fail(`${key} never reached ${what}; the focus went through:\n${seen.join('\n')}`);
}

describe(
  'the portal with the keyboard alone and at phone width',
  { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools('chromium'), timeout: 600_000 },
  () => {
    let server: RegistryServer;
    let browser: Browser;
    let projectId: number;

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
      await new TestClient(server.url, auth).pushImage(`${PROJECT}/hello`, 'v1');
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    describe('with the keyboard alone', () => {
      let page: Page;

      before(async () => {
        page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        page.setDefaultTimeout(20_000);
      });

      test('signs in', async () => {
        await page.goto(`${server.url}/sign-in`);
        await page.getByLabel('Username or email').waitFor();
        // The first field has the focus already.
        await page.keyboard.type(ADMIN_USER);
        await page.keyboard.press('Tab');
        await page.keyboard.type(ADMIN_PASSWORD);
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/projects$/);
      });

      test('opens a project from the list and switches its tabs', async () => {
        await page.getByRole('link', { name: PROJECT }).waitFor();
        await tabTo(page, (element) => element.tag === 'a' && element.text === PROJECT, `the link to ${PROJECT}`);
        await page.keyboard.press('Enter');
        await page.waitForURL(new RegExp(`/projects/${projectId}/repositories$`));
        await page.getByRole('link', { name: `${PROJECT}/hello` }).waitFor();
        await page.getByRole('tab', { name: 'Summary' }).waitFor();
        await tabTo(page, (element) => element.role === 'tab' && element.selected === 'true', 'the selected tab');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('Enter');
        await page.waitForURL(new RegExp(`/projects/${projectId}/summary$`));
        await page.getByRole('tab', { name: 'Summary', selected: true }).waitFor();
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.press('Enter');
        await page.waitForURL(new RegExp(`/projects/${projectId}/repositories$`));
        // Back to the list through the breadcrumb, behind the focus.
        await tabTo(page, (element) => element.tag === 'a' && element.text === 'Projects', 'the breadcrumb', 'Shift+Tab');
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/projects$/);
      });

      test('opens the create-project dialog, closes it with Escape and gets the focus back', async () => {
        await page.getByRole('link', { name: PROJECT }).waitFor();
        await tabTo(page, (element) => element.testId === 'new-project', 'the new-project button');
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Name').waitFor();
        assert.equal(await dialog.getByLabel('Name').evaluate((input) => input === document.activeElement), true, 'the name field has the focus');
        // However far it is tabbed, the focus never reaches the page behind the dialog. Past the
        // dialog's last control it leaves the document for the browser's own controls (the body is
        // then the active element), as from any page, and the next Tab brings it back into the dialog.
        for (let presses = 0; presses < 8; presses++) {
          await page.keyboard.press('Tab');
          const outside = await page.evaluate(() => {
            const element = document.activeElement;
            return !element || element === document.body || element.closest('.ant-modal-root') ? null : element.outerHTML.slice(0, 160);
          });
          assert.equal(outside, null, 'the focus left the dialog');
        }
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
        assert.equal((await focused(page)).testId, 'new-project', 'the focus is back on the button that opened the dialog');
      });

      test('creates a project by filling the form and pressing Enter', async () => {
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Name').waitFor();
        await page.keyboard.type('typed-project');
        await page.keyboard.press('Enter');
        await dialog.waitFor({ state: 'hidden' });
        await page.getByRole('link', { name: 'typed-project' }).waitFor();
      });

      test('reaches the user menu and signs out', async () => {
        await tabTo(page, (element) => element.testId === 'user-menu', 'the user menu', 'Shift+Tab');
        await page.keyboard.press('Enter');
        await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
        // The arrows move into the menu and through its items, at a person's pace: the menu takes
        // the focus only once its opening has settled.
        for (let presses = 0; presses < 6 && (await focused(page)).text !== 'Sign out'; presses++) {
          await page.keyboard.press('ArrowDown');
          await page.waitForTimeout(150);
        }
        const item = await focused(page);
        assert.equal(item.text, 'Sign out');
        assert.ok(item.ring, 'the focus on the menu item is not visible');
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/sign-in/);
      });
    });

    describe('at phone width', () => {
      let page: Page;

      before(async () => {
        page = await browser.newPage({ viewport: { width: 390, height: 844 } });
        page.setDefaultTimeout(20_000);
        await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
      });

      async function assertFits(where: string): Promise<void> {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the ${where} page is ${overflow}px wider than the screen`);
      }

      test('the header collapses into a menu button, and its drawer has every entry', async () => {
        await page.getByRole('heading', { name: 'Projects' }).waitFor();
        assert.equal(await page.getByTestId('user-menu').count(), 0, 'the user menu is in the drawer, not the header');
        await assertFits('projects');
        await page.getByRole('button', { name: 'Menu' }).click();
        const drawer = page.getByRole('dialog', { name: 'Menu' });
        const navigation = drawer.getByRole('navigation', { name: 'Main navigation' });
        await navigation.getByRole('link', { name: 'Projects' }).waitFor();
        await navigation.getByRole('link', { name: 'Administration' }).waitFor();
        await drawer.getByRole('radio', { name: '中文' }).waitFor({ state: 'attached' });
        await drawer.getByRole('switch', { name: 'Dark theme' }).waitFor();
        await drawer.getByRole('button', { name: 'Change password' }).waitFor();
        await drawer.getByRole('button', { name: 'Sign out' }).waitFor();
        await drawer.getByText(ADMIN_USER, { exact: true }).waitFor();
      });

      test('the drawer leads to the administration, then to a project, and no page is wider than the screen', async () => {
        const drawer = page.getByRole('dialog', { name: 'Menu' });
        await drawer.getByRole('link', { name: 'Administration' }).click();
        await page.waitForURL(/\/admin\/users$/);
        await drawer.waitFor({ state: 'hidden' });
        await page.getByRole('heading', { name: 'Administration' }).waitFor();
        await page.getByRole('row', { name: new RegExp(ADMIN_USER) }).waitFor();
        await assertFits('administration');
        await page.getByRole('button', { name: 'Menu' }).click();
        await drawer.getByRole('link', { name: 'Projects' }).click();
        await page.waitForURL(/\/projects$/);
        await page.getByRole('link', { name: PROJECT }).click();
        await page.getByRole('link', { name: `${PROJECT}/hello` }).waitFor();
        await assertFits('project');
        for (const tab of ['summary', 'members', 'robots', 'labels', 'logs', 'policies', 'configuration', 'webhooks']) {
          await page.goto(`${server.url}/projects/${projectId}/${tab}`);
          await page.getByRole('tab', { name: /Repositories/ }).waitFor();
          await page.waitForLoadState('networkidle');
          await assertFits(`project ${tab}`);
        }
        await page.goto(`${server.url}/projects/${projectId}/repositories/hello`);
        await page.getByRole('row', { name: /\bv1\b/ }).waitFor();
        await assertFits('repository');
      });

      test('the theme and the language are switched in the drawer', async () => {
        await page.getByRole('button', { name: 'Menu' }).click();
        const drawer = page.getByRole('dialog', { name: 'Menu' });
        await drawer.getByRole('switch', { name: 'Dark theme' }).click();
        await drawer.getByRole('switch', { name: 'Light theme' }).waitFor();
        await drawer.getByText('中文').click();
        await page.getByRole('dialog', { name: '菜单' }).getByRole('link', { name: '项目' }).waitFor();
        await page.getByRole('dialog', { name: '菜单' }).getByRole('button', { name: '退出登录' }).click();
        await page.waitForURL(/\/sign-in/);
      });
    });
  },
);
