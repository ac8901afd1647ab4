/**
 * The vulnerability database import (Berth only, no server): `berth vulndb import` as an
 * operator runs it, on a zip of generated OSV records (bench/osv-data.ts) in OSV's `all.zip`
 * layout. Per database: a first import into an empty database, then a second zip of the same
 * ids with a later `modified`, so every record is replaced (the update path: lookup, delete,
 * insert). The figure is records per second as the command reports its own import time
 * (process start-up and migrations excluded, shown apart as the wall time); peak RSS is sampled
 * over the whole process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeOsvZip } from './osv-data.js';
import { berthCommand, cpuSeconds, dropDatabase, freshDatabase, RssSampler, type Placement } from './servers.js';
import type { Measured } from './workloads.js';

export interface VulnDbPlan {
  records: number;
}

/** The brief's floor for a realistic ecosystem dump, per database. */
export const VULNDB_TARGETS = { SQLite: 3000, PostgreSQL: 1500 } as const;

export interface VulnDbImport {
  database: keyof typeof VULNDB_TARGETS;
  /** `first`: into an empty database; `update`: every record again with a later `modified`. */
  kind: 'first' | 'update';
  records: number;
  /** The import's own time, as `berth vulndb import` prints it. */
  importSeconds: number;
  /** From spawn to exit: start-up, migrations, import, summary. */
  wallSeconds: number;
  cpuSeconds: number;
  peakRss: number;
  summary: string;
}

export interface VulnDbFigures {
  zipBytes: number;
  generateSeconds: number;
  imports: VulnDbImport[];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  cpuSeconds: number;
  peakRss: number;
}

/** One `berth vulndb import`, bounded by `timeoutMs`; RSS and CPU sampled while it runs. */
function importOnce(args: string[], root: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const rss = new RssSampler(child.pid ?? 0);
    rss.mark();
    // /proc/<pid>/stat is gone after exit: keep the last CPU reading taken while it ran.
    let cpu = 0;
    const cpuTimer = setInterval(() => {
      const now = cpuSeconds(child.pid ?? 0);
      if (Number.isFinite(now)) cpu = now;
    }, 100);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      clearInterval(cpuTimer);
      const { peak } = rss.peak();
      rss.stop();
      resolve({ code, stdout, stderr, wallSeconds: (performance.now() - started) / 1000, cpuSeconds: cpu, peakRss: peak });
    });
  });
}

const SUMMARY = /^imported (\d+), updated (\d+), unchanged (\d+), invalid (\d+) in ([0-9.]+) s$/m;

export async function vulnDbImports(
  root: string,
  plan: VulnDbPlan,
  placement: Placement,
  postgres: string | undefined,
  log: (line: string) => void,
): Promise<Measured & { vulndb: VulnDbFigures }> {
  const { args, env: launchEnv } = berthCommand(root, log);
  const dir = mkdtempSync(join(placement.dataRoot ?? tmpdir(), 'berth-bench-vulndb-'));
  let pgDatabase: string | undefined;
  try {
    const t0 = performance.now();
    const first = join(dir, 'osv-first.zip');
    const newer = join(dir, 'osv-newer.zip');
    const zipBytes = await writeOsvZip(first, plan.records, 0);
    await writeOsvZip(newer, plan.records, 1);
    const generateSeconds = (performance.now() - t0) / 1000;
    log(`  (generated 2 zips of ${plan.records} OSV records, ${(zipBytes / 1024 / 1024).toFixed(1)} MiB each, in ${generateSeconds.toFixed(1)} s, untimed)`);

    // Drop the caller's BERTH_* variables: Berth rejects unknown ones and they would skew the run.
    const base: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_'))), ...launchEnv };
    Object.assign(base, { BERTH_LOG_LEVEL: 'warn', NODE_ENV: 'production' });
    const databases: { database: VulnDbImport['database']; env: NodeJS.ProcessEnv; dataDir: string }[] = [
      { database: 'SQLite', env: base, dataDir: join(dir, 'sqlite') },
    ];
    if (postgres) {
      pgDatabase = await freshDatabase(postgres);
      databases.push({ database: 'PostgreSQL', env: { ...base, BERTH_DATABASE_URL: pgDatabase }, dataDir: join(dir, 'pg') });
    }

    const imports: VulnDbImport[] = [];
    for (const { database, env, dataDir } of databases) {
      for (const [kind, zip] of [
        ['first', first],
        ['update', newer],
      ] as const) {
        const run = await importOnce([...args, 'vulndb', 'import', zip, '--data-dir', dataDir], root, env, 600_000);
        const match = SUMMARY.exec(run.stdout);
        if (run.code !== 0 || !match) throw new Error(`vulndb import (${database}, ${kind}) exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
        const [imported, updated, unchanged, invalid] = match.slice(1, 5).map(Number) as [number, number, number, number];
        const expected = kind === 'first' ? imported : updated;
        if (expected !== plan.records || invalid !== 0 || imported + updated + unchanged !== plan.records) {
          throw new Error(`vulndb import (${database}, ${kind}) did not store every record: ${match[0]}`);
        }
        const result: VulnDbImport = {
          database,
          kind,
          records: plan.records,
          importSeconds: Number(match[5]),
          wallSeconds: run.wallSeconds,
          cpuSeconds: run.cpuSeconds,
          peakRss: run.peakRss,
          summary: match[0],
        };
        imports.push(result);
        // Records per CPU second of the whole process tells how fast it would be with a core to itself.
        log(
          `  ${database} ${kind}: ${(result.records / result.importSeconds).toFixed(0)} records/s (${result.importSeconds.toFixed(1)} s; process ${result.wallSeconds.toFixed(1)} s, CPU ${result.cpuSeconds.toFixed(1)} s = ${(result.records / result.cpuSeconds).toFixed(0)} records per CPU second, peak RSS ${(result.peakRss / 1024 / 1024).toFixed(0)} MiB)`,
        );
      }
    }
    const headline = imports.find((i) => i.kind === 'first') as VulnDbImport;
    const seconds = imports.reduce((sum, i) => sum + i.importSeconds, 0);
    return { value: headline.records / headline.importSeconds, seconds, requests: 0, vulndb: { zipBytes, generateSeconds, imports } };
  } finally {
    if (!placement.keep) {
      rmSync(dir, { recursive: true, force: true });
      // Each run imports tens of thousands of records into its own database: do not leave them behind.
      if (postgres && pgDatabase) await dropDatabase(postgres, pgDatabase).catch((err: Error) => log(`  (could not drop ${pgDatabase}: ${err.message})`));
    }
  }
}

/**
 * `berth vulndb import` of the given files into `dataDir` (before a server starts there); the
 * records it stored and its own import time.
 */
export async function importVulnDbFiles(
  root: string,
  args: string[],
  dataDir: string,
  env: NodeJS.ProcessEnv,
  files: string[],
): Promise<{ records: number; seconds: number }> {
  const run = await importOnce([...args, 'vulndb', 'import', '--data-dir', dataDir, ...files], root, env, 300_000);
  const match = SUMMARY.exec(run.stdout);
  if (run.code !== 0 || !match) throw new Error(`vulndb import exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  const [imported, updated, unchanged] = match.slice(1, 4).map(Number) as [number, number, number];
  return { records: imported + updated + unchanged, seconds: Number(match[5]) };
}
