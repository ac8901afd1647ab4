import { api, expectJson } from '../testing/api.js';

export interface GcHistoryJson {
  id: number;
  job_status: string;
  job_kind: string;
  job_parameters: string;
}

export interface GcResult {
  id: number;
  status: string;
  attrs: { deleted_untagged?: number; purged_blobs?: number; purged_manifests?: number; freed_space?: number; dry_run?: boolean };
}

/** Starts a GC through the API (as the portal's "GC now" does); answers the run's id. */
export async function startGcRun(url: string, parameters: Record<string, unknown>): Promise<number> {
  const res = await api(url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters } });
  await expectJson(res, 201);
  const location = res.headers.get('location') ?? '';
  const match = /\/system\/gc\/(\d+)$/.exec(location);
  if (!match) throw new Error(`no run id in Location: ${location}`);
  return Number(match[1]);
}

/** Polls the run until it ends. */
export async function waitForGc(url: string, id: number, timeoutMs = 60_000): Promise<GcResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await expectJson<GcHistoryJson>(await api(url, 'GET', `/system/gc/${id}`), 200);
    if (!['Pending', 'Running'].includes(run.job_status)) {
      return { id, status: run.job_status, attrs: JSON.parse(run.job_parameters) as GcResult['attrs'] };
    }
    if (Date.now() > deadline) throw new Error(`GC ${id} still ${run.job_status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function runGc(url: string, parameters: Record<string, unknown>): Promise<GcResult> {
  return waitForGc(url, await startGcRun(url, parameters));
}
