import { z } from 'zod';
import type { ScannerRegistrationRow } from '../../platform/db/index.js';
import { ADAPTER_AUTH_MODES } from '../adapter/client.js';
import type { ScannerAdapterMetadata } from '../engine.js';
import type { ScannerRegistrationJson } from './shapes.js';

const url = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.username === '' && parsed.password === '';
    } catch {
      return false;
    }
  }, 'url must be an http(s) URL without credentials');

const auth = z.enum(ADAPTER_AUTH_MODES, { message: `auth must be one of "", Basic, Bearer, APIKey` });

/** Harbor's ScannerRegistrationReq (POST and PUT /scanners). */
export const registrationReqSchema = z
  .object({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(1024).optional(),
    url,
    auth: auth.optional(),
    access_credential: z.string().max(4096).optional(),
    skip_certVerify: z.boolean().optional(),
    use_internal_addr: z.boolean().optional(),
    disabled: z.boolean().optional(),
  })
  .loose();

export type RegistrationReq = z.output<typeof registrationReqSchema>;

/** Harbor's ScannerRegistrationSettings (POST /scanners/ping). */
export const registrationSettingsSchema = z
  .object({
    name: z.string().max(255).optional(),
    url,
    auth: auth.optional(),
    access_credential: z.string().max(4096).optional(),
  })
  .loose();

export const isDefaultSchema = z.object({ is_default: z.boolean() }).loose();

/** Harbor's ProjectScanner (PUT /projects/{p}/scanner). */
export const projectScannerSchema = z.object({ uuid: z.string().min(1).max(64) }).loose();

/** What the API shows of a stored credential: never the secret itself. */
const CREDENTIAL_MASK = '*****';

function capabilitiesOf(metadata: string, builtin: boolean): Record<string, boolean> {
  if (builtin) return { support_vulnerability: true, support_sbom: true };
  if (!metadata) return {};
  try {
    const parsed = JSON.parse(metadata) as ScannerAdapterMetadata;
    const types = new Set(parsed.capabilities.map((c) => c.type ?? 'vulnerability'));
    return { support_vulnerability: types.has('vulnerability'), support_sbom: types.has('sbom') };
  } catch {
    return {};
  }
}

export function registrationJson(row: ScannerRegistrationRow, health = ''): ScannerRegistrationJson {
  return {
    uuid: row.uuid,
    name: row.name,
    description: row.description,
    url: row.url,
    disabled: row.disabled === 1,
    is_default: row.is_default === 1,
    auth: row.auth,
    access_credential: row.access_credential ? CREDENTIAL_MASK : '',
    skip_certVerify: row.skip_cert_verify === 1,
    use_internal_addr: row.use_internal_addr === 1,
    create_time: new Date(row.created_at).toISOString(),
    update_time: new Date(row.updated_at).toISOString(),
    adapter: row.adapter,
    vendor: row.vendor,
    version: row.version,
    health,
    capabilities: capabilitiesOf(row.metadata, row.builtin === 1),
  };
}
