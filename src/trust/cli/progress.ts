import type { PushProgress } from '../sign/index.js';

/**
 * Push progress: a bar on a terminal, otherwise one line per blob or manifest pushed.
 * cli-progress is loaded only for the bar: the server never draws one.
 */
export async function pushProgressFor(stream: NodeJS.WriteStream, label: string): Promise<PushProgress> {
  if (stream.isTTY) {
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    const bar = new SingleBar({ stream, format: `${label} {bar} {value}/{total} {step}`, hideCursor: true }, Presets.shades_classic);
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
