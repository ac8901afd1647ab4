/**
 * What the portal's browser tests share: Debian's chromium through playwright-core, signing in,
 * and the check that a page shown in Chinese has no English catalogue string left.
 */
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { portalCatalogue } from '../../src/testing/portal-catalogues.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless chromium with the flags it needs as root in a container. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
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

export async function assertNoEnglish(page: Page, where: string): Promise<void> {
  const patterns = englishOnlyPatterns();
  const english = (await visibleTexts(page)).flatMap((text) => patterns.filter(({ pattern }) => pattern.test(text)).map(({ key }) => `${key}: "${text}"`));
  assert.deepEqual(english, [], `English strings on the ${where} page in Chinese`);
}
