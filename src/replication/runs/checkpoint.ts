import type { TaskContext } from '../../platform/jobs/index.js';
import type { UploadSessions } from '../engine/copier.js';

/** Open sessions a copy task keeps, at most: an artifact has few blobs in flight at once. */
const MAX_SESSIONS = 64;
const SESSION_PATTERN = /^[\x21-\x7e]{1,2048}$/;

/**
 * A copy task's upload sessions, saved in the task's checkpoint each time one changes, so the
 * attempt after a cut connection, a restart or a crash of this instance continues each blob from
 * what its destination holds. Saves go one after another (a later one never overtaken by an
 * earlier); a save that fails costs only a resend of that blob.
 */
export class CheckpointedUploads implements UploadSessions {
  private readonly sessions = new Map<string, string>();
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly context: Pick<TaskContext, 'checkpoint' | 'saveCheckpoint'>) {
    const saved = context.checkpoint?.uploads;
    if (typeof saved !== 'object' || saved === null) return;
    for (const [digest, session] of Object.entries(saved).slice(0, MAX_SESSIONS)) {
      if (typeof session === 'string' && SESSION_PATTERN.test(session)) this.sessions.set(digest, session);
    }
  }

  get(digest: string): string | undefined {
    return this.sessions.get(digest);
  }

  set(digest: string, session: string | undefined): void {
    if (this.sessions.get(digest) === session) return;
    if (session === undefined) this.sessions.delete(digest);
    else if (this.sessions.size < MAX_SESSIONS || this.sessions.has(digest)) this.sessions.set(digest, session);
    else return;
    const uploads = Object.fromEntries(this.sessions);
    this.saving = this.saving.then(() => this.context.saveCheckpoint({ uploads }).catch(() => undefined));
  }

  /** Waits for the saves made so far. */
  settled(): Promise<void> {
    return this.saving;
  }
}
