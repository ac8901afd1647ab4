import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Executor } from '../../platform/db/index.js';
import { InvalidInputError } from '../../platform/errors/index.js';
import { publicKeyFromPem, type TrustedKey } from '../verify/keys.js';
import type { NotationLevel } from '../verify/notation.js';
import type { VerifyTimestamp } from '../verify/notation-timestamp.js';

/** The system's trust material and policy are kept under project 0, beside every project's own. */
export const SYSTEM_PROJECT = 0;
export const MATERIAL_KINDS = [
  'cosign-key',
  'rekor-key',
  'notation-root',
  // Roots of the timestamp authorities whose RFC 3161 countersignatures on notation signatures count.
  'notation-tsa-root',
] as const;
export type MaterialKind = (typeof MATERIAL_KINDS)[number];
/** Items of trust material per project at most. */
export const MAX_MATERIAL = 100;
const MAX_PEM_BYTES = 64 * 1024;

export const materialInput = z.strictObject({
  kind: z.enum(MATERIAL_KINDS),
  name: z.string().trim().min(1).max(255),
  pem: z.string().min(1).max(MAX_PEM_BYTES),
});
export type MaterialInput = z.infer<typeof materialInput>;

export const policyInput = z.strictObject({
  notation_level: z.enum(['strict', 'permissive', 'audit']).optional(),
  trusted_identities: z.array(z.string().trim().min(1).max(1024)).max(100).optional(),
  require_log_entry: z.boolean().optional(),
  notation_verify_timestamp: z.enum(['always', 'afterCertExpiry']).optional(),
});
export type PolicyInput = z.infer<typeof policyInput>;

export interface TrustPolicy {
  readonly notation_level: NotationLevel;
  readonly trusted_identities: readonly string[];
  readonly require_log_entry: boolean;
  readonly notation_verify_timestamp: VerifyTimestamp;
}

const DEFAULT_POLICY: TrustPolicy = { notation_level: 'strict', trusted_identities: ['*'], require_log_entry: false, notation_verify_timestamp: 'afterCertExpiry' };

/** A PEM item checked for its kind: a public key for cosign and Rekor, a certificate for notation and its TSAs. Answers its fingerprint. */
export function fingerprintOfMaterial(input: MaterialInput): string {
  if (input.kind === 'notation-root' || input.kind === 'notation-tsa-root') {
    try {
      return `sha256:${new X509Certificate(input.pem).fingerprint256.replace(/:/g, '').toLowerCase()}`;
    } catch {
      throw new InvalidInputError('input', 'pem is not a PEM X.509 certificate');
    }
  }
  try {
    return publicKeyFromPem(input.pem).fingerprint;
  } catch (error) {
    throw new InvalidInputError('input', `pem is not a supported public key: ${error instanceof Error ? error.message : 'unreadable'}`);
  }
}

export function listMaterial(db: Executor, projectId: number) {
  return db.selectFrom('trust_material').selectAll().where('project_id', '=', projectId).orderBy('id').execute();
}

/** A project's own policy; without one, the system's; without that, notation's defaults (strict, any identity). */
export async function readPolicy(db: Executor, projectId: number): Promise<TrustPolicy> {
  const rows = await db.selectFrom('trust_policies').selectAll().where('project_id', 'in', [projectId, SYSTEM_PROJECT]).execute();
  const row = rows.find((r) => r.project_id === projectId) ?? rows.find((r) => r.project_id === SYSTEM_PROJECT);
  if (!row) return DEFAULT_POLICY;
  let identities: string[] = ['*'];
  try {
    const parsed = z.array(z.string()).safeParse(JSON.parse(row.trusted_identities));
    if (parsed.success) identities = parsed.data;
  } catch {
    // A row that cannot be read trusts nobody rather than everybody.
    identities = [];
  }
  const level = row.notation_level === 'permissive' || row.notation_level === 'audit' ? row.notation_level : 'strict';
  return {
    notation_level: level,
    trusted_identities: identities,
    require_log_entry: row.require_log_entry === 1,
    notation_verify_timestamp: row.notation_verify_timestamp === 'always' ? 'always' : 'afterCertExpiry',
  };
}

/** What a project's signatures are checked against: its own material and the system's, its own policy. */
export interface EffectiveTrust {
  readonly cosignKeys: readonly TrustedKey[];
  readonly logKeys: readonly TrustedKey[];
  readonly notationRoots: readonly X509Certificate[];
  readonly notationTsaRoots: readonly X509Certificate[];
  readonly policy: TrustPolicy;
  /** Changes whenever the material or the policy does: verdicts are kept per hash. */
  readonly hash: string;
}

/** Parsed material by what it was read as and its PEM text: parsing a key costs more than the query that read it. */
const parsed = new Map<string, TrustedKey | X509Certificate>();
const MAX_PARSED = 1_000;

function remembered<T extends TrustedKey | X509Certificate>(as: 'key' | 'certificate', pem: string, parse: (pem: string) => T): T {
  const id = `${as}:${pem}`;
  const known = parsed.get(id);
  if (known) return known as T;
  const value = parse(pem);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(id, value);
  return value;
}
const parsedKey = (pem: string): TrustedKey => remembered('key', pem, publicKeyFromPem);
const parsedCertificate = (pem: string): X509Certificate => remembered('certificate', pem, (text) => new X509Certificate(text));

export async function effectiveTrust(db: Executor, projectId: number): Promise<EffectiveTrust> {
  const rows = await db
    .selectFrom('trust_material')
    .select(['kind', 'pem', 'fingerprint'])
    .where('project_id', 'in', [projectId, SYSTEM_PROJECT])
    .orderBy('fingerprint')
    .execute();
  const policy = await readPolicy(db, projectId);
  const cosignKeys: TrustedKey[] = [];
  const logKeys: TrustedKey[] = [];
  const notationRoots: X509Certificate[] = [];
  const notationTsaRoots: X509Certificate[] = [];
  for (const row of rows) {
    // Material was checked when added; an item that no longer reads is left out, not fatal.
    try {
      if (row.kind === 'cosign-key') cosignKeys.push(parsedKey(row.pem));
      else if (row.kind === 'rekor-key') logKeys.push(parsedKey(row.pem));
      else if (row.kind === 'notation-root') notationRoots.push(parsedCertificate(row.pem));
      else if (row.kind === 'notation-tsa-root') notationTsaRoots.push(parsedCertificate(row.pem));
    } catch {
      continue;
    }
  }
  const hash = createHash('sha256')
    .update(JSON.stringify({ material: rows.map((r) => `${r.kind}:${r.fingerprint}`), policy }))
    .digest('hex');
  return { cosignKeys, logKeys, notationRoots, notationTsaRoots, policy, hash: `sha256:${hash}` };
}
