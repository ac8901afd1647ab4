import type { Counter } from 'prom-client';
import type { Metrics } from '../platform/metrics/index.js';
import type { GcProgress } from './collector.js';

/** What garbage collection runs on this instance deleted; dry runs count as runs, never as deletions. */
export class GcMetrics {
  private readonly runs: Counter<'outcome' | 'dry_run'>;
  private readonly artifacts: Counter;
  private readonly blobs: Counter;
  private readonly manifests: Counter;
  private readonly bytes: Counter;

  constructor(metrics: Metrics) {
    this.runs = metrics.counter('berth_gc_runs_total', 'Garbage collection runs finished on this instance, by outcome (success, error, stopped) and dry run', [
      'outcome',
      'dry_run',
    ]);
    this.artifacts = metrics.counter('berth_gc_deleted_artifacts_total', 'Untagged artifacts garbage collection deleted');
    this.blobs = metrics.counter('berth_gc_deleted_blobs_total', 'Blobs garbage collection deleted');
    this.manifests = metrics.counter('berth_gc_deleted_manifests_total', 'Manifests of deleted artifacts garbage collection removed from storage');
    this.bytes = metrics.counter('berth_gc_freed_bytes_total', 'Bytes garbage collection freed in storage');
  }

  finished(outcome: 'success' | 'error' | 'stopped', dryRun: boolean): void {
    this.runs.inc({ outcome, dry_run: String(dryRun) });
  }

  /** What a real run deleted this attempt: its counts less those an earlier attempt had already made. */
  deleted(before: GcProgress, after: GcProgress): void {
    this.artifacts.inc(Math.max(0, after.deleted_untagged - before.deleted_untagged));
    this.blobs.inc(Math.max(0, after.purged_blobs - before.purged_blobs));
    this.manifests.inc(Math.max(0, after.purged_manifests - before.purged_manifests));
    this.bytes.inc(Math.max(0, after.freed_space - before.freed_space));
  }
}
