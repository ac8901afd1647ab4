import { statfs } from 'node:fs/promises';
import type { Identity } from '../auth/index.js';
import type { Config } from '../platform/config/index.js';
import type { RuntimeSettings } from '../platform/settings/index.js';
import type { GeneralInfo, SystemInfoJson } from './shapes.js';

/**
 * The Harbor release whose API Berth answers: the reference swagger is Harbor's main branch
 * after v2.15.2, and the newest release it describes is v2.15. Clients (the Terraform
 * provider, the portal, scripts) compare `harbor_version` to decide which calls to make, so it
 * names that release in Harbor's `vX.Y.Z-<build>` form; Berth's own version goes in
 * `berth_version`.
 */
export const HARBOR_API_RELEASE = 'v2.15.0';

export type { GeneralInfo };

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
    harbor_version: `${HARBOR_API_RELEASE}-berth`,
    berth_version: input.version,
    // The sign-in page shows the SSO button from these.
    auth_mode: input.settings.auth_mode,
    primary_auth_mode: input.settings.primary_auth_mode,
    ...(input.settings.auth_mode === 'oidc_auth' ? { oidc_provider_name: input.settings.oidc_name } : {}),
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
    read_only: input.settings.read_only,
    with_notary: false,
    notification_enable: input.settings.notification_enable,
    registry_storage_provider_name: input.storageName,
  };
}

/** Harbor's SystemInfo: the volume holding the data directory. */
export async function volumes(dataDir: string): Promise<SystemInfoJson> {
  const stats = await statfs(dataDir);
  return { storage: [{ total: stats.blocks * stats.bsize, free: stats.bavail * stats.bsize }] };
}
