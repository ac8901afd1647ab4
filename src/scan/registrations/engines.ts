import type { ScannerRegistrationRow } from '../../platform/db/index.js';
import { UnprocessableError } from '../../platform/errors/index.js';
import { AdapterClient, type AdapterAuth } from '../adapter/client.js';
import { AdapterScanEngine } from '../adapter/engine.js';
import type { ScanEngine } from '../engine.js';
import type { SecretBox } from '../../platform/secrets/index.js';

export interface EngineSettings {
  /** The in-process scanner, when this build has one. */
  builtin: ScanEngine | undefined;
  secrets: SecretBox;
  allowPrivateNetworks: boolean;
  pollSeconds: number;
}

/** Where a registration's scans go: the built-in engine, or its adapter over HTTP. */
export function engineFor(
  registration: Pick<ScannerRegistrationRow, 'builtin' | 'url' | 'auth' | 'access_credential' | 'skip_cert_verify'>,
  settings: EngineSettings,
): ScanEngine {
  if (registration.builtin === 1) {
    if (!settings.builtin) throw new UnprocessableError('input', 'the built-in scanner is not available in this build of Berth');
    return settings.builtin;
  }
  const credential = settings.secrets.open(registration.access_credential);
  if (credential === undefined) throw new UnprocessableError('input', 'the stored credential of the scanner cannot be decrypted: was the secret key changed?');
  return new AdapterScanEngine(adapterClient(registration.url, registration.auth as AdapterAuth, credential, registration.skip_cert_verify === 1, settings));
}

export function adapterClient(url: string, auth: AdapterAuth, credential: string, skipCertVerify: boolean, settings: EngineSettings): AdapterClient {
  return new AdapterClient({ url, auth, credential, skipCertVerify, allowPrivateNetworks: settings.allowPrivateNetworks, defaultPollSeconds: settings.pollSeconds });
}
