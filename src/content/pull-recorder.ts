import type { AuditEntry } from '../audit/index.js';
import { recordAudits } from '../audit/index.js';
import type { Database } from '../platform/db/index.js';
import { recordEvents, type ChangeEvent } from '../platform/events/index.js';
import type { Clock } from '../platform/clock.js';
import { recordPulls } from './repo.js';

export interface Pull {
  repositoryId: number;
  projectId: number;
  artifactId: number;
  /** `library/app:1.0` or `library/app@sha256:…`, as the client asked. */
  resource: string;
  /** The repository's full name, and the artifact pulled (with the tag asked for, if any). */
  repository: string;
  digest: string;
  tag: string | null;
  username: string;
  clientIp: string;
  /** False for a scanner's pull under `scanner_skip_update_pulltime`: audited and announced, but no pull time or count. */
  updatesPullTime?: boolean;
}

/** Past this many pending audit rows a flush starts at once, so memory stays bounded. */
const MAX_PENDING_AUDITS = 5_000;

/**
 * Pull times, counts, pull audit entries and PULL_ARTIFACT events, written in batches: a database write on every
 * manifest GET would make the hottest read path a write path. A crash loses at most the
 * last few seconds of pull statistics, never anything pushed.
 */
export class PullRecorder {
  private counts = new Map<number, { repositoryId: number; artifactId: number; count: number; at: number }>();
  private audits: AuditEntry[] = [];
  private events: ChangeEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly flushEveryMs = 3000,
  ) {}

  record(pull: Pull): void {
    const at = this.clock.now();
    const entry = this.counts.get(pull.artifactId);
    if (pull.updatesPullTime === false) {
      // Neither time nor count.
    } else if (entry) {
      entry.count += 1;
      entry.at = at;
    } else {
      this.counts.set(pull.artifactId, { repositoryId: pull.repositoryId, artifactId: pull.artifactId, count: 1, at });
    }
    this.audits.push({
      projectId: pull.projectId,
      operation: 'pull',
      resourceType: 'artifact',
      resource: pull.resource,
      username: pull.username,
      clientIp: pull.clientIp,
      at,
    });
    this.events.push({
      type: 'PULL_ARTIFACT',
      projectId: pull.projectId,
      repository: pull.repository,
      digest: pull.digest,
      tag: pull.tag,
      operator: pull.username,
      at,
    });
    if (this.audits.length >= MAX_PENDING_AUDITS) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => void this.flush(), this.flushEveryMs).unref();
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0 && this.audits.length === 0) return;
    const counts = [...this.counts.values()];
    const audits = this.audits;
    const events = this.events;
    this.counts = new Map();
    this.audits = [];
    this.events = [];
    try {
      await this.database.db.transaction().execute(async (trx) => {
        await recordPulls(trx, counts);
        await recordAudits(trx, audits);
        // The outbox's PULL_ARTIFACT events (webhooks) ride in the same batch.
        await recordEvents(trx, events);
      });
    } catch {
      // The database closing under us, or an artifact deleted meanwhile: pull statistics are best effort.
    }
  }
}
