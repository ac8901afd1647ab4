import type { ContentService } from '../content/index.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config/index.js';
import type { Database } from '../platform/db/index.js';
import type { SecretBox } from '../platform/secrets/index.js';

/** The logger calls the proxy cache makes (pino's shape). */
export interface ProxyLog {
  warn(details: object, message: string): void;
}

export interface ProxyCacheDeps {
  config: Config;
  database: Database;
  clock: Clock;
  content: ContentService;
  secrets: SecretBox;
  log: ProxyLog;
}
