export interface PeriodicJob {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * In-process periodic work (upload purging, statistics flushing). A job never overlaps
 * itself, and a failure is logged and retried at the next tick.
 */
export class JobRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();

  constructor(private readonly log?: { error(obj: object, msg: string): void }) {}

  schedule(job: PeriodicJob): void {
    if (this.timers.has(job.name)) throw new Error(`job ${job.name} is already scheduled`);
    const timer = setInterval(() => void this.runOnce(job), job.everyMs);
    timer.unref();
    this.timers.set(job.name, timer);
  }

  async runOnce(job: PeriodicJob): Promise<void> {
    if (this.running.has(job.name)) return;
    this.running.add(job.name);
    try {
      await job.run();
    } catch (err) {
      this.log?.error({ err, job: job.name }, 'job failed');
    } finally {
      this.running.delete(job.name);
    }
  }

  stop(): void {
    for (const timer of this.timers.values()) clearInterval(timer);
    this.timers.clear();
  }
}
