import { statfs } from 'node:fs/promises';
import type { Identity } from '../auth/index.js';
import type { Config } from '../platform/config/index.js';
import type { RuntimeSettings } from '../platform/settings/index.js';

/** Harbor's GeneralInfo, the subset Berth has something to say about. */
export interface GeneralInfo {
  harbor_version: string;
  auth_mode: string;
  primary_auth_mode: boolean;
  self_registration: boolean;
  current_time: string;
  external_url?: string;
  registry_url?: string;
  project_creation_restriction?: string;
  has_ca_root?: boolean;
  read_only?: boolean;
  with_notary?: boolean;
  notification_enable?: boolean;
  registry_storage_provider_name?: string;
}

/** The public base URL: configured, or the one this request came in on. */
export function externalUrl(config: Config, request: { protocol: string; host: string }): string {
  return (config.server.externalUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/**
 * As Harbor does, an anonymous caller learns only what the login page needs; the deployment
 * details (URLs, storage, restrictions) are for signed-in callers.
 */
export function generalInfo(input: {
  identity: Identity;
  version: string;
  settings: RuntimeSettings;
  externalUrl: string;
  storageName: string;
  now: Date;
}): GeneralInfo {
  const info: GeneralInfo = {
    harbor_version: `berth-${input.version}`,
    auth_mode: 'db_auth',
    primary_auth_mode: false,
    self_registration: input.settings.self_registration,
    current_time: input.now.toISOString(),
  };
  if (input.identity.kind === 'anonymous') return info;
  return {
    ...info,
    external_url: input.externalUrl,
    registry_url: new URL(input.externalUrl).host,
    project_creation_restriction: input.settings.project_creation_restriction,
    has_ca_root: false,
    read_only: false,
    with_notary: false,
    notification_enable: false,
    registry_storage_provider_name: input.storageName,
  };
}

/** Harbor's SystemInfo: the volume holding the data directory. */
export async function volumes(dataDir: string): Promise<{ storage: Array<{ total: number; free: number }> }> {
  const stats = await statfs(dataDir);
  return { storage: [{ total: stats.blocks * stats.bsize, free: stats.bavail * stats.bsize }] };
}
