import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { parseOsvRecord } from './osv.js';
import { prepareRecord } from './prepare.js';
import { writeBatch, writeMeta, type StoredRecord } from './repo.js';
import { loadCvssCalculator } from './severity.js';
import { planInputs, readInputs, type InputPlan } from './sources.js';

/** Records per transaction: large enough to import quickly, small enough to keep the writer lock short. */
export const IMPORT_BATCH = 500;
/** Distinct reasons and example documents kept for the summary; the counts are always whole. */
const MAX_REASONS = 50;
const MAX_EXAMPLES = 20;

export interface ImportSummary {
  /** New records. */
  imported: number;
  /** Known records replaced by a later `modified`. */
  updated: number;
  /** Known records whose copy here is not newer (a second run of the same import changes nothing). */
  unchanged: number;
  /** Documents skipped: not JSON, not an OSV record, too large, unreadable. */
  invalid: number;
  /** How many invalid documents gave each reason. */
  invalidReasons: Record<string, number>;
  /** A few invalid documents with where they came from. */
  invalidExamples: { origin: string; reason: string }[];
  /** Inputs that could not be read at all (missing paths, damaged zips). */
  failedInputs: { input: string; reason: string }[];
  seconds: number;
}

/** What the CLI's progress bar (or a task's log) is told. */
export interface ImportProgress {
  start(total: number): void;
  advance(done: number, summary: ImportSummary): void;
  stop(summary: ImportSummary): void;
}

export interface ImportOptions {
  clock: Clock;
  progress?: ImportProgress;
  signal?: AbortSignal;
  /** Recorded in vuln_db_meta as where the data came from (default: the paths). */
  sourceLabel?: string;
  /** Set `last_update_at` too (a `vulndb update` run). */
  update?: boolean;
}

/** Imports OSV files, directories and zips into the database; see `writeBatch` for what replaces what. */
export async function importPaths(database: Database, paths: readonly string[], options: ImportOptions): Promise<ImportSummary> {
  return importPlan(database, await planInputs(paths), { ...options, sourceLabel: options.sourceLabel ?? paths.join(' ') });
}

export async function importPlan(database: Database, plan: InputPlan, options: ImportOptions): Promise<ImportSummary> {
  const started = options.clock.now();
  const summary: ImportSummary = {
    imported: 0,
    updated: 0,
    unchanged: 0,
    invalid: 0,
    invalidReasons: {},
    invalidExamples: [],
    failedInputs: [...plan.problems],
    seconds: 0,
  };
  const total = plan.files.length + plan.zips.reduce((sum, zip) => sum + zip.entries, 0);
  await loadCvssCalculator();
  options.progress?.start(total);
  let done = 0;
  let batch: StoredRecord[] = [];
  // One batch is written while the next is read and parsed (PostgreSQL works in its own process
  // meanwhile); writes stay one after another, and memory at two batches. A failed write is kept
  // as a value until the next flush throws it, so it is never an unhandled rejection.
  let writing: Promise<Error | undefined> = Promise.resolve(undefined);
  const landed = async () => {
    const failure = await writing;
    writing = Promise.resolve(undefined);
    if (failure) throw failure;
  };
  const flush = async () => {
    await landed();
    if (batch.length === 0) return;
    const full = batch;
    const read = done;
    batch = [];
    writing = writeBatch(database, full).then(
      (outcome) => {
        summary.imported += outcome.imported;
        summary.updated += outcome.updated;
        summary.unchanged += outcome.unchanged;
        options.progress?.advance(read, summary);
        return undefined;
      },
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    // better-sqlite3 runs synchronously: let a server's requests in between batches.
    await yieldToEventLoop();
  };
  try {
    for await (const document of readInputs(plan)) {
      options.signal?.throwIfAborted();
      done += 1;
      if ('error' in document) {
        if (document.whole) summary.failedInputs.push({ input: document.origin, reason: document.error });
        else countInvalid(summary, document.origin, document.error);
        continue;
      }
      const parsed = parseOsvRecord(document.text);
      if (!parsed.ok) {
        countInvalid(summary, document.origin, parsed.reason);
        continue;
      }
      batch.push(prepareRecord(parsed.record, document.source, options.clock.now()));
      if (batch.length >= IMPORT_BATCH) await flush();
    }
    await flush();
    await landed();
  } finally {
    // Reading failed (or was aborted): the batch in flight still lands, or fails, before the summary closes.
    await writing;
    summary.seconds = (options.clock.now() - started) / 1000;
    options.progress?.stop(summary);
  }
  const now = String(options.clock.now());
  await writeMeta(database.db, {
    last_import_at: now,
    last_import_source: (options.sourceLabel ?? '').slice(0, 4096),
    ...(options.update ? { last_update_at: now } : {}),
  });
  return summary;
}

function countInvalid(summary: ImportSummary, origin: string, reason: string): void {
  summary.invalid += 1;
  if (Object.hasOwn(summary.invalidReasons, reason) || Object.keys(summary.invalidReasons).length < MAX_REASONS) {
    summary.invalidReasons[reason] = (summary.invalidReasons[reason] ?? 0) + 1;
  } else summary.invalidReasons['other reasons'] = (summary.invalidReasons['other reasons'] ?? 0) + 1;
  if (summary.invalidExamples.length < MAX_EXAMPLES) summary.invalidExamples.push({ origin, reason });
}

/** The summary as the lines `berth vulndb import` prints. */
export function describeSummary(summary: ImportSummary): string[] {
  const lines = [
    `imported ${summary.imported}, updated ${summary.updated}, unchanged ${summary.unchanged}, invalid ${summary.invalid} in ${summary.seconds.toFixed(1)} s`,
  ];
  for (const [reason, count] of Object.entries(summary.invalidReasons)) lines.push(`  invalid (${count}): ${reason}`);
  for (const example of summary.invalidExamples.slice(0, 5)) lines.push(`    e.g. ${example.origin}: ${example.reason}`);
  for (const failed of summary.failedInputs) lines.push(`  not read: ${failed.input}: ${failed.reason}`);
  return lines;
}
