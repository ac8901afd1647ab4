import type cliProgress from 'cli-progress';

/** What the CLI shows while a backup or restore runs. */
export interface Progress {
  database(done: number, total: number): void;
  blobs(done: number, total: number, bytes: number): void;
  stop(): void;
}

export const silentProgress: Progress = { database: () => undefined, blobs: () => undefined, stop: () => undefined };

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Two bars on a terminal (the database, then the blobs); nothing otherwise, where the summary
 * line alone is what a log or a cron job should keep. cli-progress is loaded only here: the
 * server never draws a bar.
 */
export async function progressFor(stream: NodeJS.WriteStream, verb: string): Promise<Progress> {
  if (!stream.isTTY) return silentProgress;
  const { MultiBar, Presets } = (await import('cli-progress')).default;
  const bars = new MultiBar(
    { stream, format: `${verb} {what} {bar} {percentage}% | {value}/{total} {unit}`, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  let database: cliProgress.SingleBar | undefined;
  let blobs: cliProgress.SingleBar | undefined;
  return {
    database(done, total) {
      database ??= bars.create(Math.max(total, 1), 0, { what: 'database', unit: '' });
      database.setTotal(Math.max(total, 1));
      database.update(done);
    },
    blobs(done, total, bytes) {
      blobs ??= bars.create(Math.max(total, 1), 0, { what: 'blobs   ', unit: '' });
      // Nothing to copy is done already, not 0 %.
      blobs.setTotal(Math.max(total, 1));
      blobs.update(total === 0 ? 1 : done, { unit: mib(bytes) });
    },
    stop: () => bars.stop(),
  };
}
