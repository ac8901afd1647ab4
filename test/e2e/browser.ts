/**
 * What the portal's browser tests share: Debian's chromium through playwright-core, signing in,
 * and the check that a page shown in Chinese has no English catalogue string left.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { portalCatalogue } from '../../src/testing/portal-catalogues.js';
import { REPO_ROOT, RegistryServer, requireTools } from './harness.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless chromium with the flags it needs as root in a container. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Starts `berth serve` for a browser test, once chromium and the other tools it names are there and the portal is built. */
export function startPortalServer(...tools: string[]): Promise<RegistryServer> {
  return startPortalServerWith({}, ...tools);
}

/** The same, with settings of its own given as `BERTH_*` environment variables. */
export async function startPortalServerWith(env: Record<string, string>, ...tools: string[]): Promise<RegistryServer> {
  requireTools('chromium', ...tools);
  if (!existsSync(join(REPO_ROOT, 'dist', 'web', 'index.html'))) throw new Error('the portal is not built: run npm run build');
  return RegistryServer.start(env);
}

/**
 * A desktop-sized page in a context of its own with generous waits, optionally allowed the
 * clipboard (to read what a copy button copied) and signed in.
 */
export async function openPortalPage(
  browser: Browser,
  server: RegistryServer,
  options: { clipboard?: boolean; signInAs?: { username: string; password: string } } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  if (options.signInAs) await signIn(page, server.url, options.signInAs.username, options.signInAs.password);
  return page;
}

/** Signs in through the portal's form and waits for the projects page. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/projects/);
}

/** English catalogue values that read differently in Chinese, as patterns for a whole text node. */
function englishOnlyPatterns(): Array<{ key: string; pattern: RegExp }> {
  const en = portalCatalogue('en');
  const zh = portalCatalogue('zh-CN');
  return Object.entries(en)
    .filter(([key, text]) => zh[key] !== text)
    .map(([key, text]) => {
      const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\\\{\w+\\\}\\\}/g, '.+');
      return { key, pattern: new RegExp(`^${escaped}$`) };
    });
}

/** Every visible text node and label (placeholder, aria-label, title) of the page. */
export async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      const text = node.textContent?.trim();
      if (text && element && element.checkVisibility()) texts.push(text);
    }
    for (const element of document.querySelectorAll('[placeholder],[aria-label],[title]')) {
      if (!(element as HTMLElement).checkVisibility()) continue;
      for (const attribute of ['placeholder', 'aria-label', 'title']) {
        const value = element.getAttribute(attribute)?.trim();
        if (value) texts.push(value);
      }
    }
    return texts;
  });
}

/** `data` lists texts that are the page's data and happen to read as an English string (a scanner named "Berth"). */
export async function assertNoEnglish(page: Page, where: string, data: readonly string[] = []): Promise<void> {
  const patterns = englishOnlyPatterns();
  const english = (await visibleTexts(page))
    .filter((text) => !data.includes(text))
    .flatMap((text) => patterns.filter(({ pattern }) => pattern.test(text)).map(({ key }) => `${key}: "${text}"`));
  assert.deepEqual(english, [], `English strings on the ${where} page in Chinese`);
}

const AXE_SCRIPT = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

/** A rule axe should not apply to some elements: only for markup antd renders that cannot be changed from outside. */
export interface AxeExclusion {
  rule: string;
  selector: string;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Runs axe-core on the page as it stands and fails on every serious or critical violation,
 * listing the rule, its impact and the elements that break it.
 */
export async function assertAccessible(page: Page, where: string, exclusions: AxeExclusion[] = []): Promise<void> {
  // The portal's Content-Security-Policy (default-src 'self') refuses an added <script> tag, so
  // axe's source is evaluated through the DevTools protocol, which that policy does not govern.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE_SCRIPT, 'utf8'));
  const violations = await page.evaluate(async (excluded) => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .map((violation) => ({
        ...violation,
        nodes: violation.nodes.filter((node) => {
          const selector = node.target.map(String).join(' ');
          return !excluded.some(({ rule, selector: skip }) => rule === violation.id && document.querySelector(selector)?.closest(skip));
        }),
      }))
      .filter((violation) => violation.nodes.length > 0);
  }, exclusions);
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes.map((node) => `    ${node.target.map(String).join(' ')}${node.failureSummary ? `\n      ${node.failureSummary.replace(/\n/g, '\n      ')}` : ''}`).join('\n')}`,
    );
  assert.deepEqual(serious, [], `accessibility violations on the ${where} page:\n${serious.join('\n')}`);
}

/** Waits until a dialog has finished opening (its motion ended), as a person waits before choosing in it. */
export function dialogSettled(page: Page): Promise<void> {
  return motionSettled(page, '.ant-modal');
}

/** Clicks `button` in the confirmation that just opened, once it has finished opening, as a person would. */
export async function confirmIn(page: Page, button: string): Promise<void> {
  await motionSettled(page, '.ant-popover');
  await page.getByRole('tooltip').getByRole('button', { name: button }).click();
}

/** Waits until the last element matching `selector` (a dialog, a select's dropdown) has ended its motion. */
export function motionSettled(page: Page, selector: string): Promise<void> {
  return settled(page.locator(selector).last());
}

/**
 * Waits until `target` has been still for two frames running: no Ant Design motion class on it
 * (`…-appear`, `…-enter`, `…-leave`: set a frame before its animation starts) and no animation of
 * its own running. At most 5 s: a motion that never ends must not hang a test.
 */
async function settled(target: Locator): Promise<void> {
  // No named function inside: the test runner's transform would wrap it in a helper the page lacks.
  await target.evaluate(async (element) => {
    const deadline = performance.now() + 5000;
    let stillFrames = 0;
    while (stillFrames < 2 && performance.now() < deadline) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      // An endless animation (a spinner inside) is no motion of the element itself.
      const moving =
        /-(appear|enter|leave)\b/.test(element.getAttribute('class') ?? '') ||
        element.getAnimations({ subtree: true }).some((animation) => animation.playState === 'running' && animation.effect?.getTiming().iterations !== Infinity);
      stillFrames = moving ? 0 : stillFrames + 1;
    }
  });
}

/**
 * Presses `button` in `dialog` once the dialog has finished opening, and waits until it has gone,
 * as a person would look that it closed. A press that was lost anyway is made again, at most
 * twice more.
 */
export async function closeDialogWith(dialog: Locator, button: string): Promise<void> {
  await settled(dialog);
  await madeUntilSeen(
    () => dialog.getByRole('button', { name: button }).click(),
    () => dialog.waitFor({ state: 'hidden', timeout: 3000 }),
  );
}

/**
 * Makes a gesture and looks for its effect (a wait that throws when it is not seen in time); a
 * gesture whose effect did not show is made again, at most twice more.
 */
async function madeUntilSeen(gesture: () => Promise<void>, effect: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await gesture();
    try {
      await effect();
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/**
 * Chooses `title` in an Ant Design select as a person would: opens it, clicks the option once its
 * list has finished opening, and looks that the select now shows it. A click that landed while
 * the list was still moving chose nothing; it is made again, at most twice more.
 */
export async function chooseOption(page: Page, select: Locator, title: string): Promise<void> {
  const open = '.ant-select-dropdown:not(.ant-select-dropdown-hidden)';
  const option = page.locator(`${open} .ant-select-item-option[title="${title}"]`);
  await madeUntilSeen(
    async () => {
      if (!(await option.isVisible())) await select.click();
      await option.waitFor();
      await motionSettled(page, open);
      await option.click();
    },
    () => select.getByText(title, { exact: true }).waitFor({ timeout: 3000 }),
  );
}

/** The dialog that shows a robot's secret once. */
export function robotSecretDialog(page: Page): Locator {
  return page.getByRole('dialog').filter({ has: page.getByTestId('robot-secret') });
}
