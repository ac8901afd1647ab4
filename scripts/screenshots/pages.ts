/**
 * The portal's main pages, each with what shows that its data has arrived: a row or a value
 * from the demo content, which reads the same in every language.
 */
import type { Locator, Page } from 'playwright-core';
import { DEMO_REPOSITORY, DEMO_TAG, type Seeded } from './seed.js';

export interface PortalPage {
  /** The file name's first part: `<name>-<lang>-<theme>.png`. */
  name: string;
  path: string;
  /** Shown once the page's data is there. */
  ready: (page: Page) => Locator;
  /** Without a session (the sign-in page). */
  signedOut?: boolean;
}

const row = (page: Page, text: string | RegExp): Locator => page.locator('.ant-table-row', { hasText: text }).first();

export function portalPages(seeded: Seeded): PortalPage[] {
  const project = `/projects/${seeded.projectId}`;
  const repository = `${project}/repositories/${DEMO_REPOSITORY}`;
  return [
    { name: 'sign-in', path: '/sign-in', ready: (page) => page.locator('input[type=password]'), signedOut: true },
    { name: 'projects', path: '/projects', ready: (page) => row(page, 'payments') },
    { name: 'project-repositories', path: `${project}/repositories`, ready: (page) => row(page, `web/${DEMO_REPOSITORY}`) },
    { name: 'project-members', path: `${project}/members`, ready: (page) => row(page, 'carol') },
    { name: 'project-robots', path: `${project}/robots`, ready: (page) => row(page, /web\+ci/) },
    { name: 'project-policies', path: `${project}/policies`, ready: (page) => page.getByTestId('retention').locator('.ant-table-row').first() },
    { name: 'project-webhooks', path: `${project}/webhooks`, ready: (page) => row(page, 'hooks.example.com') },
    { name: 'project-logs', path: `${project}/logs`, ready: (page) => row(page, DEMO_REPOSITORY) },
    { name: 'repository', path: repository, ready: (page) => row(page, DEMO_TAG) },
    {
      name: 'artifact',
      path: `${repository}/-/artifacts/${encodeURIComponent(seeded.artifactDigest)}`,
      ready: (page) => page.getByTestId('build-history').locator('.ant-table-row').first(),
    },
    { name: 'admin-users', path: '/admin/users', ready: (page) => row(page, 'alice@example.com') },
    { name: 'admin-gc', path: '/admin/gc', ready: (page) => page.getByTestId('gc-status').first() },
    { name: 'admin-audit', path: '/admin/audit', ready: (page) => row(page, 'web') },
    { name: 'admin-system', path: '/admin/system', ready: (page) => page.getByTestId('storage-free') },
  ];
}

/**
 * After the page's own sign of data: nothing still loading anywhere (spinners, skeletons, a
 * second query such as a quota bar), and the web fonts laid out.
 */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.ant-spin-spinning, .ant-skeleton-active, .ant-btn-loading') === null);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}
