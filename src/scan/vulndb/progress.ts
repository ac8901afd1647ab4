import type { ImportProgress, ImportSummary } from './importer.js';

/** Plain lines at most this often when the output is not a terminal (a log, a CI job). */
const LINE_INTERVAL_MS = 2000;

function counts(summary: ImportSummary): string {
  return `imported ${summary.imported}, updated ${summary.updated}, unchanged ${summary.unchanged}, invalid ${summary.invalid}`;
}

/**
 * Import progress for the CLI: a bar on a terminal, otherwise a line when the import starts,
 * every couple of seconds while it runs, and when it ends. cli-progress is loaded only for the
 * bar: the server never draws one.
 */
export async function progressFor(stream: NodeJS.WriteStream, label: string, now: () => number = Date.now): Promise<ImportProgress> {
  if (stream.isTTY) {
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    const bar = new SingleBar(
      { stream, format: `${label} {bar} {percentage}% | {value}/{total} | {counts}`, hideCursor: true, etaBuffer: 50 },
      Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(Math.max(total, 1), 0, { counts: '' }),
      advance: (done, summary) => bar.update(done, { counts: counts(summary) }),
      stop: (summary) => {
        bar.update({ counts: counts(summary) });
        bar.stop();
      },
    };
  }
  let total = 0;
  let last = 0;
  return {
    start(n) {
      total = n;
      last = now();
      stream.write(`${label}: ${n} documents to read\n`);
    },
    advance(done, summary) {
      if (now() - last < LINE_INTERVAL_MS) return;
      last = now();
      const percent = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
      stream.write(`${label}: ${done}/${total} documents read${percent}, ${counts(summary)}\n`);
    },
    stop(summary) {
      stream.write(`${label}: done, ${counts(summary)}\n`);
    },
  };
}
