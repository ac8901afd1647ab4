import cliProgress from 'cli-progress';
import type { PushProgress } from '../sign/index.js';

/** Push progress: a bar on a terminal, otherwise one line per blob or manifest pushed. */
export function pushProgressFor(stream: NodeJS.WriteStream, label: string): PushProgress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({ stream, format: `${label} {bar} {value}/{total} {step}`, hideCursor: true }, cliProgress.Presets.shades_classic);
    let done = 0;
    let started = false;
    return {
      start: (steps) => {
        started = true;
        bar.start(steps, 0, { step: '' });
      },
      extend: (steps) => bar.setTotal(bar.getTotal() + steps),
      step: (what) => bar.update(++done, { step: what }),
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  return {
    start: () => undefined,
    extend: () => undefined,
    step: (what) => void stream.write(`${label}: ${what}\n`),
    stop: () => undefined,
  };
}
