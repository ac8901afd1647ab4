import type { Config } from '../platform/config/index.js';
import { InvalidInputError } from '../platform/errors/index.js';
import { ALLOW_PRIVATE_NETWORKS_KEY, namesPrivateHost } from '../platform/http/index.js';
import type { WebhookTarget } from './schema.js';

/**
 * Refuses targets that name a private address outright (a loopback, private or link-local IP,
 * or localhost), so whoever sets them learns at once; names that resolve to one are refused
 * when a delivery connects.
 */
export function refusePrivateTargets(targets: readonly WebhookTarget[], config: Config): void {
  if (config.outbound.allowPrivateNetworks) return;
  for (const target of targets) {
    if (namesPrivateHost(new URL(target.address))) {
      throw new InvalidInputError(
        'input',
        `the target ${target.address} is a loopback, link-local or private address; webhooks may reach private networks only when ${ALLOW_PRIVATE_NETWORKS_KEY} is on`,
      );
    }
  }
}
