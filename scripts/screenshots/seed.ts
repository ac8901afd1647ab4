/**
 * Demo content for the screenshots, put in the way users put it: images copied in with skopeo,
 * everything else through the Harbor API (projects, users and members, a robot, labels, an
 * immutability and a retention rule, a webhook, a deleted build and a garbage collection).
 */
import { join } from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, type RegistryServer } from '../../test/e2e/harness.js';
import { buildImages } from './images.js';

export const DEMO_PROJECT = 'web';
export const DEMO_REPOSITORY = 'frontend';
export const DEMO_TAG = '1.4.1';

const USERS = [
  { username: 'alice', realname: 'Alice Martin' },
  { username: 'bob', realname: 'Bob Chen' },
  { username: 'carol', realname: 'Carol Díaz' },
  { username: 'dave', realname: 'Dave Okafor' },
];
/** Harbor's role ids: 1 project admin, 2 developer, 3 guest, 4 maintainer. */
const MEMBERS: Array<{ project: string; username: string; role: number }> = [
  { project: 'web', username: 'alice', role: 4 },
  { project: 'web', username: 'bob', role: 2 },
  { project: 'web', username: 'carol', role: 3 },
  { project: 'payments', username: 'dave', role: 1 },
  { project: 'payments', username: 'alice', role: 2 },
];

export interface Seeded {
  projectId: number;
  artifactDigest: string;
}

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

function apiFor(server: RegistryServer): Api {
  const authorization = `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

export async function seedDemo(server: RegistryServer, work: string, log: (line: string) => void): Promise<Seeded> {
  const api = apiFor(server);
  log('projects and users');
  await api('POST', '/projects', { project_name: 'web', metadata: { public: 'true' } });
  await api('POST', '/projects', { project_name: 'payments', metadata: { public: 'false' }, storage_limit: 2 * 1024 ** 3 });
  await api('POST', '/projects', { project_name: 'data-science', metadata: { public: 'false' } });
  for (const user of USERS) {
    await api('POST', '/users', {
      ...user,
      email: `${user.username}@example.com`,
      password: `${user.username[0]?.toUpperCase()}${user.username.slice(1)}-passw0rd`,
    });
  }
  for (const m of MEMBERS) await api('POST', `/projects/${m.project}/members`, { role_id: m.role, member_user: { username: m.username } });

  log('images (umoci, then skopeo copy)');
  const client = new ClientEnv(join(work, 'client'), server.host);
  const layouts = await buildImages(client, join(work, 'layouts'), log);
  await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
  const copy = async (source: string, target: string, all = false): Promise<void> => {
    log(`  skopeo copy ${source} → ${target}`);
    await client.skopeo(['copy', ...(all ? ['--all'] : []), '--dest-tls-verify=false', source, `docker://${server.host}/${target}`]);
  };
  const images = (tag: string): string => `oci:${layouts.images}:${tag}`;
  await copy(images('frontend-1.3.9'), 'web/frontend:1.3.9');
  await copy(images('frontend-1.4.0'), 'web/frontend:1.4.0');
  await copy(images('frontend-1.4.1'), 'web/frontend:1.4.1');
  await copy(images('frontend-1.4.1'), 'web/frontend:latest');
  await copy(images('api-2.0.0'), 'web/api:2.0.0', true);
  await copy(images('api-2.0.0'), 'web/api:latest', true);
  await copy(`oci:${layouts.chart}:0.7.2`, 'web/charts/shop:0.7.2');
  await copy(images('ledger-3.2.1'), 'payments/ledger:3.2.1');
  await copy(images('hello-1.0'), 'library/hello:1.0');
  // A few pulls, so the pull counts and times are not all empty.
  for (let i = 0; i < 3; i++) await client.skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/web/frontend:${DEMO_TAG}`]);

  // Before the immutability rule, which would refuse this deletion.
  log('a deleted build and a garbage collection');
  await api('DELETE', `/projects/web/repositories/${DEMO_REPOSITORY}/artifacts/1.3.9`);
  await api('POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters: { dry_run: false, delete_untagged: true } });
  await untilFinished(api, '/system/gc?page=1&page_size=1', 'job_status', 'garbage collection');

  log('description, labels, robot, policies, webhook');
  await api('PUT', `/projects/web/repositories/${DEMO_REPOSITORY}`, {
    description: 'The web shop frontend: static assets served by nginx.\nBuilt by CI on every merge to main.',
  });
  const project = await api<{ project_id: number }>('GET', '/projects/web');
  await api('POST', '/labels', { name: 'production', color: '#1B7F3B', description: 'Running in production', scope: 'g' });
  await api('POST', '/labels', { name: 'qa-passed', color: '#2F6FD6', description: 'Passed the QA suite', scope: 'g' });
  await api('POST', '/labels', { name: 'release-candidate', color: '#B06000', scope: 'p', project_id: project.project_id });
  const labels = await api<Array<{ id: number; name: string }>>('GET', '/labels?scope=g');
  const artifact = await api<{ digest: string }>('GET', `/projects/web/repositories/${DEMO_REPOSITORY}/artifacts/${DEMO_TAG}`);
  for (const label of labels) await api('POST', `/projects/web/repositories/${DEMO_REPOSITORY}/artifacts/${DEMO_TAG}/labels`, { id: label.id });
  await api('POST', '/robots', {
    name: 'ci',
    description: 'Pushes builds from CI',
    level: 'project',
    duration: -1,
    permissions: [
      {
        kind: 'project',
        namespace: 'web',
        access: [
          { resource: 'repository', action: 'pull' },
          { resource: 'repository', action: 'push' },
        ],
      },
    ],
  });
  await api('POST', '/projects/web/immutabletagrules', {
    action: 'immutable',
    template: 'immutable_template',
    tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '1.*' }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
  });
  await api('POST', '/retentions', {
    algorithm: 'or',
    rules: [
      {
        action: 'retain',
        template: 'latestPushedK',
        params: { latestPushedK: 10 },
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      },
    ],
    trigger: { kind: 'Schedule', settings: { cron: '0 0 3 * * *' }, references: {} },
    scope: { level: 'project', ref: project.project_id },
  });
  // A dry run, so the policy's run history is not empty.
  const metadata = await api<{ metadata: { retention_id?: string } }>('GET', '/projects/web');
  const retention = Number(metadata.metadata.retention_id);
  await api('POST', `/retentions/${retention}/executions`, { dry_run: true });
  await untilFinished(api, `/retentions/${retention}/executions?page=1&page_size=1`, 'status', 'retention dry run');
  await api('POST', '/projects/web/webhook/policies', {
    name: 'deploy',
    description: 'Tells the deploy service about new builds',
    targets: [{ type: 'http', address: 'https://hooks.example.com/berth/deploy', skip_cert_verify: false }],
    event_types: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'],
    enabled: true,
  });

  return { projectId: project.project_id, artifactDigest: artifact.digest };
}

/** Polls a job's history (newest first) until its newest run has ended, a minute at most. */
async function untilFinished(api: Api, path: string, field: string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const runs = await api<Array<Record<string, unknown>>>('GET', path);
    const status = String(runs[0]?.[field] ?? '');
    if (['Success', 'Error', 'Stopped'].includes(status)) {
      if (status !== 'Success') throw new Error(`${what} ended ${status}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not finish within a minute`);
}
