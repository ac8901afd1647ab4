import type { Executor } from '../platform/db/index.js';

/**
 * A proxy cache project's bandwidth limit for fetches from its upstream (Harbor's
 * `proxy_speed_kb`), in bytes per second; undefined when unlimited (absent, or -1).
 */
export async function proxyBytesPerSecond(db: Executor, projectId: number): Promise<number | undefined> {
  const row = await db.selectFrom('project_metadata').select('value').where('project_id', '=', projectId).where('name', '=', 'proxy_speed_kb').executeTakeFirst();
  const kb = Number(row?.value);
  return Number.isSafeInteger(kb) && kb > 0 ? kb * 1024 : undefined;
}
