import type { Command } from 'commander';
import type { RegistryConnection } from '../../platform/registry-client/index.js';
import { UsageError } from './errors.js';

export interface RegistryOptions {
  username?: string;
  password?: string;
  insecure?: boolean;
  plainHttp?: boolean;
}

export function addRegistryOptions(command: Command): Command {
  return command
    .option('-u, --username <name>', 'registry user (also BERTH_REGISTRY_USERNAME)')
    .option('-p, --password <password>', 'registry password (also BERTH_REGISTRY_PASSWORD, which keeps it out of the process list)')
    .option('--insecure', 'accept any TLS certificate (self-signed, wrong host name); to trust a private CA instead, set NODE_EXTRA_CA_CERTS=ca.pem')
    .option('--plain-http', 'speak plain HTTP to the registry (no TLS)');
}

/**
 * Where and as whom to connect: flags first, then BERTH_REGISTRY_USERNAME/PASSWORD; anonymous
 * without either. Private and loopback addresses are allowed: the registry is the one the user
 * named on their own command line (often localhost), not a target someone else chose.
 */
export function connectionFor(registry: string, options: RegistryOptions, env: NodeJS.ProcessEnv): RegistryConnection {
  const username = options.username ?? env.BERTH_REGISTRY_USERNAME;
  const password = options.password ?? env.BERTH_REGISTRY_PASSWORD;
  if (username !== undefined && password === undefined) throw new UsageError('--username needs a password: --password or BERTH_REGISTRY_PASSWORD');
  if (username === undefined && password !== undefined) throw new UsageError('a password without a user name: add --username or BERTH_REGISTRY_USERNAME');
  return {
    url: `${options.plainHttp === true ? 'http' : 'https'}://${registry}`,
    insecure: options.insecure === true,
    allowPrivateNetworks: true,
    userAgent: 'berth-sign',
    ...(username !== undefined && password !== undefined ? { credential: { type: 'basic', username, password } } : {}),
  };
}
