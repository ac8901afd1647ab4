import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';
import { prettyDestination } from './pretty.js';

/**
 * The service's logger: JSON lines for log collectors, readable lines when a person watches
 * the terminal. NO_COLOR (https://no-color.org) turns the colours off.
 */
export function createLogger(config: Config['log'], out: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Logger {
  const options = { level: config.level, base: { service: 'berth' } };
  // Not a terminal: pino's own fast writer to stdout, as log collectors expect.
  if (!out.isTTY) return pino(options);
  return pino(options, prettyDestination(out, { colour: !env.NO_COLOR }));
}
