import type { Counter } from 'prom-client';
import type { Metrics } from '../../platform/metrics/index.js';

/** What retention did on this instance; a run works through its repositories one task each, counted here one by one. */
export class RetentionMetrics {
  private readonly runs: Counter<'outcome' | 'dry_run'>;
  private readonly artifacts: Counter;
  private readonly tags: Counter;

  constructor(metrics: Metrics) {
    this.runs = metrics.counter('berth_retention_repository_runs_total', 'Retention runs over one repository, by outcome (success, error, stopped) and dry run', [
      'outcome',
      'dry_run',
    ]);
    this.artifacts = metrics.counter('berth_retention_deleted_artifacts_total', 'Artifacts retention deleted (dry runs count none)');
    this.tags = metrics.counter('berth_retention_deleted_tags_total', 'Tags retention removed (dry runs count none)');
  }

  finished(outcome: 'success' | 'error' | 'stopped', dryRun: boolean, deleted?: { artifacts: number; tags: number }): void {
    this.runs.inc({ outcome, dry_run: String(dryRun) });
    if (deleted && !dryRun) {
      this.artifacts.inc(deleted.artifacts);
      this.tags.inc(deleted.tags);
    }
  }
}
