/**
 * `npm run screenshots`: the portal's main pages as PNGs, in English and Chinese, light and dark.
 *
 * Starts a real Berth (temp data dir, free loopback port), fills it with demo content through
 * the registry and the Harbor API (see screenshots/seed.ts), then drives Debian's Chromium at
 * 1280×800 and writes `<page>-<lang>-<theme>.png` for every page into --out. Needs the portal
 * built (`npm run build`), and skopeo, umoci and chromium installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, signIn } from '../test/e2e/browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, makeTempDir, REPO_ROOT, RegistryServer, removeDir, requireTools } from '../test/e2e/harness.js';
import { portalPages, settled, type PortalPage } from './screenshots/pages.js';
import { seedDemo } from './screenshots/seed.js';

const LANGUAGES = ['en', 'zh-CN'] as const;
const THEMES = ['light', 'dark'] as const;
const VIEWPORT = { width: 1280, height: 800 };

const program = new Command()
  .name('screenshots')
  .description("Screenshots of the portal's main pages in both languages and both themes, against a real Berth filled with demo content")
  .option('--out <dir>', 'where the PNGs go', join(REPO_ROOT, 'docs', 'screenshots'))
  .option('--only <pages>', 'comma-separated page names (default: all; see the list printed at the start)')
  .parse();
const opts = program.opts<{ out: string; only?: string }>();
const log = (line: string): void => console.log(line);

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

/** A browser context in one language and theme, chosen as the portal remembers them: in localStorage. */
async function contextFor(browser: Browser, language: string, theme: string, session: StorageState | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    locale: language,
    colorScheme: theme === 'dark' ? 'dark' : 'light',
    reducedMotion: 'reduce',
    ...(session ? { storageState: session } : {}),
  });
  await context.addInitScript(
    ([lang, mode]) => {
      localStorage.setItem('berth.language', lang);
      localStorage.setItem('berth.theme', mode);
    },
    [language, theme] as const,
  );
  return context;
}

async function main(): Promise<void> {
  requireTools('skopeo', 'umoci', 'chromium');
  if (!existsSync(join(REPO_ROOT, 'dist', 'web', 'index.html'))) throw new Error('the portal is not built: run npm run build first');
  // Without a Chinese font Chromium draws the zh-CN pages as boxes.
  if (!spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).stdout?.trim()) {
    log('warning: no Chinese font installed (fc-list :lang=zh), the zh-CN pages will show boxes: apt-get install fonts-wqy-microhei');
  }
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });

  log('starting Berth');
  // GC's grace window at 0 minutes, so the garbage collection shown frees the deleted build's blobs.
  const server = await RegistryServer.start({ BERTH_GC_GRACE_MINUTES: '0' });
  const work = makeTempDir('screenshots');
  let browser: Browser | undefined;
  // An interrupt still stops the server and removes the temp dirs.
  const interrupted = (): void => {
    void Promise.allSettled([browser?.close(), server.stop()]).then(() => {
      removeDir(work);
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    log(`Berth at ${server.url}; seeding demo content`);
    const seeded = await seedDemo(server, work, (line) => log(`  ${line}`));
    const all = portalPages(seeded);
    const wanted = opts.only?.split(',').map((name) => name.trim());
    const unknown = wanted?.filter((name) => !all.some((p) => p.name === name)) ?? [];
    if (unknown.length) throw new Error(`--only: unknown page ${unknown.join(', ')} (known: ${all.map((p) => p.name).join(', ')})`);
    const pages = wanted ? all.filter((p) => wanted.includes(p.name)) : all;
    log(`pages: ${pages.map((p) => p.name).join(', ')}`);

    browser = await launchBrowser();
    const signInContext = await browser.newContext({ viewport: VIEWPORT });
    await signIn(await signInContext.newPage(), server.url, ADMIN_USER, ADMIN_PASSWORD);
    const session = await signInContext.storageState();
    await signInContext.close();

    const total = pages.length * LANGUAGES.length * THEMES.length;
    let done = 0;
    for (const language of LANGUAGES) {
      for (const theme of THEMES) {
        const contexts = { in: await contextFor(browser, language, theme, session), out: await contextFor(browser, language, theme, undefined) };
        for (const portalPage of pages) {
          const file = join(out, `${portalPage.name}-${language}-${theme}.png`);
          const started = performance.now();
          await shoot(portalPage.signedOut ? contexts.out : contexts.in, server.url, portalPage, file);
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          log(`[${++done}/${total}] ${file} (${Math.round(statSync(file).size / 1024)} KiB, ${seconds} s)`);
        }
        await contexts.in.close();
        await contexts.out.close();
      }
    }
    log(`done: ${total} screenshots in ${out}`);
  } finally {
    await browser?.close();
    await server.stop();
    removeDir(work);
  }
}

async function shoot(context: BrowserContext, baseUrl: string, portalPage: PortalPage, file: string): Promise<void> {
  const page = await context.newPage();
  try {
    page.setDefaultTimeout(30_000);
    await page.goto(`${baseUrl}${portalPage.path}`);
    await portalPage.ready(page).waitFor();
    await settled(page);
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  } finally {
    await page.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
