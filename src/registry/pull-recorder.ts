import type { Database } from '../db/index.js';
import type { Clock } from '../system/clock.js';
import { recordPulls } from './repo.js';

/**
 * Pull times and counts, written in batches: a database write on every manifest GET
 * would make the hottest read path a write path.
 */
export class PullRecorder {
  private pending = new Map<number, { repositoryId: number; artifactId: number; count: number; at: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly flushEveryMs = 5000,
  ) {}

  record(repositoryId: number, artifactId: number): void {
    const entry = this.pending.get(artifactId);
    const at = this.clock.now();
    if (entry) {
      entry.count += 1;
      entry.at = at;
    } else {
      this.pending.set(artifactId, { repositoryId, artifactId, count: 1, at });
    }
    this.timer ??= setTimeout(() => void this.flush(), this.flushEveryMs).unref();
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.database.db.transaction().execute((trx) => recordPulls(trx, batch));
    } catch {
      // An artifact deleted meanwhile, or the database closing: pull statistics are best effort.
    }
  }
}
