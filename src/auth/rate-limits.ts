import type { Config } from '../platform/config/index.js';
import { WindowCounter } from '../platform/lib/index.js';

/** The route families a limit applies to; each has its own counters and its own error envelope. */
export type RateFamily = 'api' | 'token' | 'login';

/**
 * Request rate limits per client address and per account, counted by this instance alone:
 * behind a load balancer each instance allows the configured rate (see README). A family's
 * address limit is checked before anything is looked up; its account limit once the caller is
 * known (the name asked for, for sign-in).
 */
export class RateLimits {
  private readonly counters: Record<RateFamily, { client: WindowCounter; account: WindowCounter }>;

  constructor(config: Config['rateLimit'], now: () => number) {
    const windowMs = config.windowSeconds * 1000;
    const counter = (limit: number) => new WindowCounter(limit, windowMs, config.maxTrackedKeys, now);
    this.counters = {
      api: { client: counter(config.apiPerClient), account: counter(config.apiPerAccount) },
      token: { client: counter(config.tokenPerClient), account: counter(config.tokenPerAccount) },
      login: { client: counter(config.loginPerClient), account: counter(config.loginPerAccount) },
    };
  }

  /** Counts a request from `address`: undefined when it may go on, else the seconds to wait. */
  client(family: RateFamily, address: string): number | undefined {
    return this.counters[family].client.take(address);
  }

  /** Counts a request of `account` (a user or robot name): undefined when it may go on, else the seconds to wait. */
  account(family: RateFamily, account: string): number | undefined {
    return this.counters[family].account.take(account);
  }
}
