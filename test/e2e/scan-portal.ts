/**
 * What the scanning pages' browser tests share: when they can run, and a portal server whose
 * vulnerability database holds the OSV fixtures (imported with the real `berth vulndb import`)
 * with a project to scan in.
 */
import assert from 'node:assert/strict';
import { machineIsDebian, vulndbFixtureFiles } from '../../src/scan/testing/vulnerable-image.suite.js';
import { runBerth } from '../../src/testing/cli.js';
import { basic } from '../../src/testing/client.js';
import { startPortalServerWith } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

export function scanPortalSkipReason(): string | false {
  if (TARGET !== 'berth') return 'Berth-only';
  if (!machineIsDebian()) return 'needs a Debian machine: its dpkg database is the scanned image';
  return skipUnlessTools('chromium');
}

export const ADMIN_AUTH = basic(ADMIN_USER, ADMIN_PASSWORD);

/** Starts the server (with `env`), imports the OSV fixtures beside it, creates `project`; answers both. */
export async function startScanPortal(project: string, env: Record<string, string> = {}): Promise<{ server: RegistryServer; projectId: number }> {
  const server = await startPortalServerWith(env);
  try {
    return { server, projectId: await importAndCreate(server, project) };
  } catch (err) {
    // The caller never gets the server to stop: left running, it would keep the test process alive.
    await server.stop();
    throw err;
  }
}

async function importAndCreate(server: RegistryServer, project: string): Promise<number> {
  const imported = await runBerth(['vulndb', 'import', '--data-dir', server.dataDir, ...vulndbFixtureFiles()]);
  assert.equal(imported.code, 0, imported.stderr);
  const created = await fetch(`${server.url}/api/v2.0/projects`, {
    method: 'POST',
    headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ project_name: project }),
  });
  assert.equal(created.status, 201, await created.text());
  const found = (await (await fetch(`${server.url}/api/v2.0/projects/${project}`, { headers: { authorization: ADMIN_AUTH } })).json()) as { project_id: number };
  return found.project_id;
}
