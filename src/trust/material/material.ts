import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Executor } from '../../platform/db/index.js';
import { InvalidInputError } from '../../platform/errors/index.js';
import { doublestarPattern } from '../../platform/lib/index.js';
import { loadVerifyLibraries } from '../verify/libraries.js';
import { readTrustedRoot, trustedRootFingerprint, TrustedRootError, type KeylessRule, type SigstoreRoot } from '../verify/keyless.js';
import { publicKeyFromPem, type TrustedKey } from '../verify/keys.js';
import type { NotationLevel } from '../verify/notation.js';
import type { VerifyTimestamp } from '../verify/notation-timestamp.js';

/** The system's trust material and policy are kept under project 0, beside every project's own. */
export const SYSTEM_PROJECT = 0;
export const MATERIAL_KINDS = [
  'cosign-key',
  'rekor-key',
  'notation-root',
  // A Sigstore trusted_root.json (Fulcio CAs, CT logs, Rekor logs) for keyless cosign signatures.
  'sigstore-root',
  // Roots of the timestamp authorities whose RFC 3161 countersignatures on notation signatures count.
  'notation-tsa-root',
] as const;
export type MaterialKind = (typeof MATERIAL_KINDS)[number];
/** Items of trust material per project at most. */
export const MAX_MATERIAL = 100;
/** A PEM key or certificate is a few kilobytes; a Sigstore trusted root some tens. */
const MAX_PEM_BYTES = 256 * 1024;

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
  keyless_identities: z
    .array(z.strictObject({ issuer: doublestarPattern(), subject: doublestarPattern() }))
    .max(100)
    .optional(),
  notation_verify_timestamp: z.enum(['always', 'afterCertExpiry']).optional(),
});
export type PolicyInput = z.infer<typeof policyInput>;

export interface TrustPolicy {
  readonly notation_level: NotationLevel;
  readonly trusted_identities: readonly string[];
  readonly require_log_entry: boolean;
  readonly notation_verify_timestamp: VerifyTimestamp;
  /** Who may sign keylessly; nobody until the policy says. */
  readonly keyless_identities: readonly KeylessRule[];
}

const DEFAULT_POLICY: TrustPolicy = {
  notation_level: 'strict',
  trusted_identities: ['*'],
  require_log_entry: false,
  notation_verify_timestamp: 'afterCertExpiry',
  keyless_identities: [],
};
const keylessRules = z.array(z.object({ issuer: z.string(), subject: z.string() }));

/** A JSON column read back, or `fallback` when it no longer parses (it was checked when written). */
function parsedColumn<T>(text: string, schema: z.ZodType<T>, fallback: T): T {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

/** An item checked for its kind: a public key for cosign and Rekor, a certificate for notation and its TSAs, a trusted root for Sigstore. Answers its fingerprint. */
export function fingerprintOfMaterial(input: MaterialInput): string {
  if (input.kind === 'sigstore-root') {
    try {
      readTrustedRoot(input.pem);
    } catch (error) {
      throw new InvalidInputError('input', error instanceof TrustedRootError ? error.message : 'the trusted root is unreadable');
    }
    return trustedRootFingerprint(input.pem);
  }
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
  // A row that cannot be read trusts nobody rather than everybody.
  const identities = parsedColumn(row.trusted_identities, z.array(z.string()), []);
  const level = row.notation_level === 'permissive' || row.notation_level === 'audit' ? row.notation_level : 'strict';
  return {
    notation_level: level,
    trusted_identities: identities,
    require_log_entry: row.require_log_entry === 1,
    keyless_identities: parsedColumn(row.keyless_identities, keylessRules, []),
    notation_verify_timestamp: row.notation_verify_timestamp === 'always' ? 'always' : 'afterCertExpiry',
  };
}

/** What a project's signatures are checked against: its own material and the system's, its own policy. */
export interface EffectiveTrust {
  readonly cosignKeys: readonly TrustedKey[];
  readonly logKeys: readonly TrustedKey[];
  readonly notationRoots: readonly X509Certificate[];
  readonly sigstoreRoots: readonly SigstoreRoot[];
  readonly notationTsaRoots: readonly X509Certificate[];
  readonly policy: TrustPolicy;
  /** Changes whenever the material or the policy does: verdicts are kept per hash. */
  readonly hash: string;
}

type Parsed = TrustedKey | X509Certificate | SigstoreRoot['material'];
/** Parsed material by what it was read as and its PEM text: parsing a key costs more than the query that read it. */
const parsed = new Map<string, Parsed>();
const MAX_PARSED = 1_000;

function remembered<T extends Parsed>(as: 'key' | 'certificate' | 'root', pem: string, parse: (pem: string) => T): T {
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
const parsedRoot = (json: string): SigstoreRoot['material'] => remembered('root', json, readTrustedRoot);

export async function effectiveTrust(db: Executor, projectId: number): Promise<EffectiveTrust> {
  // Trusted roots are parsed with Sigstore's code below.
  await loadVerifyLibraries();
  const rows = await db
    .selectFrom('trust_material')
    .select(['kind', 'name', 'pem', 'fingerprint'])
    .where('project_id', 'in', [projectId, SYSTEM_PROJECT])
    .orderBy('fingerprint')
    .execute();
  const policy = await readPolicy(db, projectId);
  const cosignKeys: TrustedKey[] = [];
  const logKeys: TrustedKey[] = [];
  const notationRoots: X509Certificate[] = [];
  const sigstoreRoots: SigstoreRoot[] = [];
  const notationTsaRoots: X509Certificate[] = [];
  for (const row of rows) {
    // Material was checked when added; an item that no longer reads is left out, not fatal.
    try {
      if (row.kind === 'cosign-key') cosignKeys.push(parsedKey(row.pem));
      else if (row.kind === 'rekor-key') logKeys.push(parsedKey(row.pem));
      else if (row.kind === 'notation-root') notationRoots.push(parsedCertificate(row.pem));
      else if (row.kind === 'sigstore-root') sigstoreRoots.push({ name: row.name, material: parsedRoot(row.pem) });
      else if (row.kind === 'notation-tsa-root') notationTsaRoots.push(parsedCertificate(row.pem));
    } catch {
      continue;
    }
  }
  const hash = createHash('sha256')
    .update(JSON.stringify({ material: rows.map((r) => `${r.kind}:${r.fingerprint}`), policy }))
    .digest('hex');
  return { cosignKeys, logKeys, notationRoots, notationTsaRoots, sigstoreRoots, policy, hash: `sha256:${hash}` };
}
