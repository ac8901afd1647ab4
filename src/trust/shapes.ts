import { z } from 'zod';

/** A trusted public key, root certificate or Sigstore trusted root (its JSON in `pem`), as the trust material API answers it. */
export const TrustMaterialShape = z.strictObject({
  id: z.int(),
  kind: z.enum(['cosign-key', 'rekor-key', 'notation-root', 'notation-tsa-root', 'sigstore-root']),
  name: z.string(),
  fingerprint: z.string(),
  pem: z.string(),
  created_by: z.string(),
  creation_time: z.string(),
});

export const TrustPolicyShape = z.strictObject({
  notation_level: z.enum(['strict', 'permissive', 'audit']),
  trusted_identities: z.array(z.string()),
  require_log_entry: z.boolean(),
  /** Keyless cosign signers: certificate OIDC issuer and subject (email or URI), doublestar patterns. */
  keyless_identities: z.array(z.strictObject({ issuer: z.string(), subject: z.string() })),
  /** When notation checks a signature's RFC 3161 timestamp: always, or once the signing certificate has expired (the default). */
  notation_verify_timestamp: z.enum(['always', 'afterCertExpiry']),
});

/** One signature of an artifact and what checking it against the project's trust found. */
export const SignatureVerdictShape = z.strictObject({
  type: z.string(),
  digest: z.string(),
  subject_digest: z.string(),
  verified: z.boolean(),
  signer: z.string(),
  details: z.array(z.string()).optional(),
  reason: z.string().optional(),
  checked_at: z.string(),
});
