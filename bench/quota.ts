/**
 * Quota contention (Harbor's pain, harbor#18440): the same small-image pushes, 16 pushers at
 * once, first all into one project with a quota, then each into a project of its own. Every
 * manifest push charges its project's quota in the transaction that stores it; if charging
 * serialised pushes behind one lock, the one-project run would fall behind.
 */
import { performance } from 'node:perf_hooks';
import { RegistryClient } from './client.js';
import { pushImage, type Measured } from './workloads.js';

export interface QuotaPlan {
  pushers: number;
  imagesPerPusher: number;
}

export interface QuotaResult {
  oneProject: number;
  spread: number;
}

/** The one-project run may be this much slower than the spread one. */
export const QUOTA_TARGET = 1.2;

const LIMIT = 2 ** 40;

async function createProject(baseUrl: string, basic: string, name: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v2.0/projects`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ project_name: name, metadata: { public: 'false' }, storage_limit: LIMIT }),
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`create project ${name}: ${res.status} ${await res.text()}`);
}

async function run(baseUrl: string, credentials: { username: string; password: string }, repositories: string[], prefix: string, plan: QuotaPlan): Promise<number> {
  const clients = await Promise.all(
    repositories.map(async (repository) => {
      const c = new RegistryClient({ baseUrl, ...credentials, repository, maxSockets: 1 });
      await c.login();
      return c;
    }),
  );
  try {
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < plan.imagesPerPusher; n++) await pushImage(c, `${prefix}-${i}-${n}`, `t${n}`, 16 * 1024);
      }),
    );
    return (clients.length * plan.imagesPerPusher) / ((performance.now() - t0) / 1000);
  } finally {
    for (const c of clients) c.close();
  }
}

/** Runs the two layouts back to back `reps` times; answers the median of the per-run ratios spread / one project. */
export async function quotaContention(
  baseUrl: string,
  credentials: { username: string; password: string },
  plan: QuotaPlan,
  reps: number,
  log: (line: string) => void,
): Promise<Measured & { quota: QuotaResult }> {
  const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  await createProject(baseUrl, basic, 'quota-one');
  for (let i = 0; i < plan.pushers; i++) await createProject(baseUrl, basic, `quota-spread-${i}`);
  const one: number[] = [];
  const spread: number[] = [];
  const ids = Array.from({ length: plan.pushers }, (_, i) => i);
  const oneRepos = ids.map((i) => `quota-one/app-${i}`);
  const spreadRepos = ids.map((i) => `quota-spread-${i}/app`);
  // Untimed: the first pushes into each repository pay for creating it and for cold caches.
  await run(baseUrl, credentials, oneRepos, 'warm', { ...plan, imagesPerPusher: 1 });
  await run(baseUrl, credentials, spreadRepos, 'warm', { ...plan, imagesPerPusher: 1 });
  const t0 = performance.now();
  for (let rep = 0; rep < reps; rep++) {
    // Alternating which layout goes first keeps drift (disk writeback, other load) off one side.
    if (rep % 2 === 0) {
      one.push(await run(baseUrl, credentials, oneRepos, `one-r${rep}`, plan));
      spread.push(await run(baseUrl, credentials, spreadRepos, `spread-r${rep}`, plan));
    } else {
      spread.push(await run(baseUrl, credentials, spreadRepos, `spread-r${rep}`, plan));
      one.push(await run(baseUrl, credentials, oneRepos, `one-r${rep}`, plan));
    }
    log(`  quota rep ${rep + 1}: one project ${one.at(-1)?.toFixed(1)} images/s, spread ${spread.at(-1)?.toFixed(1)} images/s`);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)] as number;
  const ratios = one.map((o, i) => (spread[i] as number) / o);
  const result = { oneProject: median(one), spread: median(spread) };
  const images = reps * 2 * plan.pushers * plan.imagesPerPusher;
  return {
    value: median(ratios),
    seconds: (performance.now() - t0) / 1000,
    requests: images * 7,
    detail: `medians: one project ${result.oneProject.toFixed(1)} images/s, spread over ${plan.pushers} projects ${result.spread.toFixed(1)} images/s; per-run ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
    quota: result,
  };
}
