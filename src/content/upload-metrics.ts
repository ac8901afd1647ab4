import type { Counter } from 'prom-client';
import type { Database } from '../platform/db/index.js';
import type { Metrics } from '../platform/metrics/index.js';
import { countUploads } from './repo.js';

/** Blob uploads: counted as they happen; sessions open and writes in flight read when scraped. */
export class UploadMetrics {
  readonly started: Counter;
  readonly completed: Counter;
  /** Every byte an upload body brought, chunked or not, including those refused past a quota. */
  readonly bytes: Counter;

  constructor(metrics: Metrics, database: Database, writing: () => number) {
    this.started = metrics.counter('berth_upload_sessions_started_total', 'Blob upload sessions opened on this instance');
    this.completed = metrics.counter('berth_uploads_completed_total', 'Blob uploads completed on this instance (digest verified, blob published)');
    this.bytes = metrics.counter('berth_upload_bytes_total', 'Bytes received into blob uploads on this instance');
    metrics.gauge('berth_uploads_in_flight', 'Blob upload requests (chunks, completions) being handled on this instance now', [], (gauge) => gauge.set(writing()));
    metrics.gauge('berth_upload_sessions_open', 'Blob upload sessions open on every instance (finished, cancelled and purged ones excluded)', [], async (gauge) =>
      gauge.set(await countUploads(database.db)),
    );
  }
}
