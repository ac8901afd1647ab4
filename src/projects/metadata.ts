import { InvalidInputError } from '../platform/errors/index.js';
import type { MetadataInput } from './schema.js';

/** Harbor's project metadata keys that Berth understands; every value is stored as a string. */
const BOOLEAN_KEYS = new Set([
  'public',
  'auto_scan',
  'prevent_vul',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'reuse_sys_cve_allowlist',
  'auto_sbom_generation',
  'require_verified_signature',
]);
const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'];
/** Harbor's bandwidth limit of a proxy cache project for fetches from its upstream, in KB/s (-1: unlimited). */
const PROXY_SPEED = 'proxy_speed_kb';
export const METADATA_KEYS: readonly string[] = [...BOOLEAN_KEYS, 'severity', PROXY_SPEED];
const MAX_VALUE_LENGTH = 255;

/** Long names are cut in messages: the answer should not echo megabytes back. */
function shown(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

export function requireMetadataKey(name: string): void {
  if (!METADATA_KEYS.includes(name)) {
    throw new InvalidInputError('input', `unknown metadata "${shown(name)}"; supported: ${METADATA_KEYS.join(', ')}`);
  }
}

/** Checks one value and answers it as Harbor stores it ("true"/"false", a severity). */
export function normalizeMetadataValue(name: string, value: string | boolean): string {
  requireMetadataKey(name);
  if (typeof value === 'string' && value.length > MAX_VALUE_LENGTH) {
    throw new InvalidInputError('input', `metadata ${name} is too long (at most ${MAX_VALUE_LENGTH} characters)`);
  }
  if (BOOLEAN_KEYS.has(name)) {
    if (value === true || value === 'true') return 'true';
    if (value === false || value === 'false') return 'false';
    throw new InvalidInputError('input', `metadata ${name} must be "true" or "false"`);
  }
  if (name === PROXY_SPEED) {
    if (typeof value === 'string' && /^(?:-1|[1-9]\d{0,8})$/.test(value)) return value;
    throw new InvalidInputError('input', `metadata ${name} must be -1 (unlimited) or a number of KB/s`);
  }
  if (typeof value === 'string' && SEVERITIES.includes(value)) return value;
  throw new InvalidInputError('input', `metadata ${name} must be one of ${SEVERITIES.join(', ')}`);
}

export function normalizeMetadata(input: MetadataInput): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(input)) out.set(name, normalizeMetadataValue(name, value));
  return out;
}
