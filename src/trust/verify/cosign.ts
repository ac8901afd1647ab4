import { z } from 'zod';
import { signatureValid, type TrustedKey } from './keys.js';
import { verifyRekorBundle } from './rekor.js';
import { bundleOfCosignLayer } from './keyless-cosign.js';
import { verifyKeylessBundle, type KeylessTrust } from './keyless.js';
import { refused, verified, type Verdict } from './result.js';

/** The annotations cosign puts on each simple-signing layer. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
/** Payloads larger than this are not simple-signing payloads (cosign's are a few hundred bytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const payloadSchema = z.object({
  critical: z.object({
    type: z.string(),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    identity: z.object({ 'docker-reference': z.string() }).partial().optional(),
  }),
  optional: z.record(z.string(), z.unknown()).nullable().optional(),
});

export interface CosignSignatureFacts {
  /** The simple-signing layer's bytes. */
  readonly payload: Uint8Array;
  /** The layer's annotations: the signature, and the Rekor bundle or certificate when there are. */
  readonly annotations: Readonly<Record<string, string>>;
  /** The digest of the manifest the signature is attached to. */
  readonly subjectDigest: string;
}

export interface CosignTrust {
  readonly keys: readonly TrustedKey[];
  /** Rekor's public keys: a bundle is checked against them. */
  readonly logKeys: readonly TrustedKey[];
  /** Refuse signatures without a verified transparency log entry. */
  readonly requireLogEntry?: boolean;
  /** Trust roots and identity rules for keyless (certificate) signatures. */
  readonly keyless?: KeylessTrust;
}

/**
 * Checks one cosign simple-signing signature as `cosign verify` does: the payload names the
 * subject's digest and cosign's type; then either (with `--key`) a trusted key signed the
 * payload's exact bytes and, when the layer carries a Rekor bundle (or the trust requires one),
 * the log's promise verifies too; or (keyless) the layer's certificate, SCT and Rekor entry
 * verify against a Sigstore trusted root and the certificate's identity is trusted.
 */
export function verifyCosignSignature(facts: CosignSignatureFacts, trust: CosignTrust): Verdict {
  if (facts.payload.length > MAX_PAYLOAD_BYTES) return refused('the signed payload is too large for a cosign signature');
  const encoded = facts.annotations[COSIGN_SIGNATURE_ANNOTATION];
  if (!encoded) return refused('the layer has no cosign signature annotation');
  let payload: z.infer<typeof payloadSchema>;
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(facts.payload).toString('utf8')));
    if (!parsed.success) return refused('the signed payload is not a cosign simple-signing payload');
    payload = parsed.data;
  } catch {
    return refused('the signed payload is not JSON');
  }
  if (payload.critical.type !== SIMPLE_SIGNING_TYPE) return refused(`the signed payload's type is "${payload.critical.type}", not "${SIMPLE_SIGNING_TYPE}"`);
  if (payload.critical.image['docker-manifest-digest'] !== facts.subjectDigest) return refused('the signature is for another image digest');
  const certificatePem = facts.annotations[COSIGN_CERTIFICATE_ANNOTATION];
  if (certificatePem) {
    const keyless = verifyKeylessLayer(facts, encoded, certificatePem, trust);
    // A certificate-carrying signature may still be by a trusted key (`cosign sign --key … --certificate …`).
    if (keyless.verified || trust.keys.length === 0) return keyless;
    const byKey = verifyByKey(facts, encoded, trust);
    return byKey.verified ? byKey : keyless;
  }
  return verifyByKey(facts, encoded, trust);
}

function verifyKeylessLayer(facts: CosignSignatureFacts, encoded: string, certificatePem: string, trust: CosignTrust): Verdict {
  const made = bundleOfCosignLayer(facts.payload, { signature: encoded, certificatePem, logged: facts.annotations[COSIGN_BUNDLE_ANNOTATION] });
  if ('reason' in made) return refused(made.reason);
  return verifyKeylessBundle(made.bundle, Buffer.from(facts.payload), trust.keyless ?? { roots: [], rules: [] });
}

/** The key-based check: a trusted key signed the payload, and the Rekor bundle when there is one (or must be). */
function verifyByKey(facts: CosignSignatureFacts, encoded: string, trust: CosignTrust): Verdict {
  const signature = Buffer.from(encoded, 'base64');
  const key = trust.keys.find((k) => signatureValid(k.key, facts.payload, signature));
  if (!key) return refused(trust.keys.length === 0 ? 'no cosign public key is trusted' : 'no trusted key made this signature');
  const bundle = facts.annotations[COSIGN_BUNDLE_ANNOTATION];
  if (bundle === undefined) {
    if (trust.requireLogEntry) return refused('the signature has no transparency log entry', key.fingerprint);
    return verified(key.fingerprint);
  }
  const logged = verifyRekorBundle(bundle, trust.logKeys, facts.payload, signature);
  if ('reason' in logged) {
    // An unverifiable bundle only matters where the log entry is required; the key signature stands otherwise.
    if (trust.requireLogEntry) return refused(logged.reason, key.fingerprint);
    return verified(key.fingerprint, [`transparency log not checked: ${logged.reason}`]);
  }
  const when = new Date(logged.entry.integratedTime * 1000).toISOString();
  return verified(key.fingerprint, [`in the transparency log at index ${logged.entry.logIndex}, ${when}`]);
}
