import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config/index.js';
import type { Database } from '../../platform/db/index.js';
import { openOutbound } from '../../platform/http/index.js';
import { importPlan, type ImportProgress, type ImportSummary } from './importer.js';
import { planInputs } from './sources.js';

export interface UpdateDeps {
  config: Pick<Config, 'scan' | 'outbound'>;
  database: Database;
  clock: Clock;
}

export interface SourceOutcome {
  url: string;
  /** Set when the source was downloaded and imported. */
  summary?: ImportSummary;
  /** Why the source imported nothing. */
  error?: string;
}

/**
 * `berth vulndb update` and the daily task: each configured source is downloaded through the
 * outbound client (private addresses refused unless allowed) to a temporary file, bounded in
 * size and time, then imported like a file given to `vulndb import`. One source failing does
 * not stop the others.
 */
export async function updateFromSources(
  deps: UpdateDeps,
  options: { signal?: AbortSignal; progress?: (url: string) => Promise<ImportProgress | undefined>; log?: (line: string) => void | Promise<void> } = {},
): Promise<SourceOutcome[]> {
  const outcomes: SourceOutcome[] = [];
  for (const url of deps.config.scan.vulndb.sources) {
    options.signal?.throwIfAborted();
    const dir = await mkdtemp(join(tmpdir(), 'berth-vulndb-'));
    try {
      await options.log?.(`downloading ${url}`);
      const file = await download(url, dir, deps.config, options.signal);
      const plan = await planInputs([file]);
      const progress = await options.progress?.(url);
      const summary = await importPlan(deps.database, plan, {
        clock: deps.clock,
        sourceLabel: url,
        update: true,
        ...(progress ? { progress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      // The temporary file's name means nothing to an operator: the URL is where the records came from.
      summary.failedInputs = summary.failedInputs.map((failed) => ({ ...failed, input: url }));
      outcomes.push({ url, summary });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      outcomes.push({ url, error: (error as Error).message });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return outcomes;
}

/** Downloads to `dir`, named `.zip` or `.json` by the first bytes (a zip starts with `PK\x03\x04`). */
async function download(url: string, dir: string, config: UpdateDeps['config'], signal: AbortSignal | undefined): Promise<string> {
  const { maxDownloadBytes, downloadTimeoutMinutes } = config.scan.vulndb;
  const response = await openOutbound({
    url,
    method: 'GET',
    headers: { accept: 'application/zip, application/json' },
    allowPrivateNetworks: config.outbound.allowPrivateNetworks,
    timeoutMs: downloadTimeoutMinutes * 60_000,
    ...(signal ? { signal } : {}),
  });
  if (response.status !== 200) {
    response.body.destroy();
    throw new Error(`${url} answered ${response.status}`);
  }
  if (response.length !== undefined && response.length > maxDownloadBytes) {
    response.body.destroy();
    throw new Error(`${url} is ${response.length} bytes, over scan.vulndb.maxDownloadBytes (${maxDownloadBytes})`);
  }
  const partial = join(dir, 'download');
  let bytes = 0;
  const bound = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxDownloadBytes) callback(new Error(`${url} is over scan.vulndb.maxDownloadBytes (${maxDownloadBytes})`));
      else callback(null, chunk);
    },
  });
  await pipeline(response.body, bound, createWriteStream(partial));
  const head = Buffer.alloc(4);
  const handle = await open(partial, 'r');
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const file = join(dir, head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ? 'source.zip' : 'source.json');
  await rename(partial, file);
  return file;
}
