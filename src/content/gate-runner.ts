import type { Executor } from '../platform/db/index.js';
import type { ByteCharge, Gates, PullRequestFacts, TagChange, UploadCheck, UploadRoom } from './gates.js';

/** Asks every gate in turn; the first refusal (a thrown domain error) stops the change. */
export class GateRunner {
  constructor(private readonly gates: Gates) {}

  async beforeChange(db: Executor): Promise<void> {
    for (const gate of this.gates.push) await gate.beforeChange?.(db);
  }

  async tagsChanging(trx: Executor, change: TagChange): Promise<void> {
    if (change.tags.length === 0) return;
    for (const gate of this.gates.push) await gate.tagsChanging?.(trx, change);
  }

  /** Answers whether a gate crossed a warning threshold (Harbor's QUOTA_WARNING). */
  async bytesAdded(trx: Executor, charge: ByteCharge): Promise<boolean> {
    if (charge.bytes <= 0) return false;
    let warning = false;
    for (const gate of this.gates.push) if ((await gate.bytesAdded?.(trx, charge))?.warning) warning = true;
    return warning;
  }

  async bytesReleased(trx: Executor, charge: ByteCharge): Promise<void> {
    if (charge.bytes <= 0) return;
    for (const gate of this.gates.push) await gate.bytesReleased?.(trx, charge);
  }

  async mayAdd(db: Executor, charge: ByteCharge): Promise<void> {
    for (const gate of this.gates.push) await gate.mayAdd?.(db, charge);
  }

  /** The tightest room any gate leaves for new upload bytes; undefined when none bounds them. */
  async roomForUploads(db: Executor, check: UploadCheck): Promise<UploadRoom | undefined> {
    let tightest: UploadRoom | undefined;
    for (const gate of this.gates.push) {
      const room = await gate.roomForUploads?.(db, check);
      if (room && (!tightest || room.bytes < tightest.bytes)) tightest = room;
    }
    return tightest;
  }

  async beforePull(db: Executor, pull: PullRequestFacts): Promise<void> {
    for (const gate of this.gates.pull) await gate.beforePull(db, pull);
  }

  get hasPullGates(): boolean {
    return this.gates.pull.length > 0;
  }
}
