import type { TrustedKey } from './keys.js';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE, parseEnvelope, statementVerdict, verifyDsse } from './dsse.js';
import { verifyKeylessBundle, type KeylessTrust } from './keyless.js';
import { refused, type Verdict } from './result.js';

export interface BundleTrust {
  readonly keys: readonly TrustedKey[];
  readonly keyless: KeylessTrust;
  readonly requireLogEntry: boolean;
}

interface BundleFacts {
  dsseEnvelope?: unknown;
  verificationMaterial?: { certificate?: unknown; x509CertificateChain?: unknown };
}

/**
 * Checks a Sigstore bundle that cosign v3 attaches to an image through the referrers API: a DSSE
 * envelope whose in-toto statement names the image, signed either with a key (checked against the
 * trusted keys) or keylessly (the bundle's certificate, SCT and log entry checked against a
 * Sigstore trusted root, and its identity against the policy).
 */
export function verifySigstoreBundle(bytes: Uint8Array, subjectDigest: string, trust: BundleTrust): Verdict {
  let json: BundleFacts;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8')) as BundleFacts;
  } catch {
    return refused('the sigstore bundle is not JSON');
  }
  const envelope = parseEnvelope(Buffer.from(JSON.stringify(json?.dsseEnvelope ?? null)));
  if (!envelope) return refused('the sigstore bundle holds no DSSE envelope');
  const material = json.verificationMaterial;
  if (material?.certificate !== undefined || material?.x509CertificateChain !== undefined) {
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return refused(`the envelope holds ${envelope.payloadType}, not an in-toto statement`);
    const keyless = verifyKeylessBundle(json, undefined, trust.keyless);
    if (!keyless.verified) return keyless;
    return statementVerdict(Buffer.from(envelope.payload, 'base64'), subjectDigest, keyless.signer, COSIGN_SIGN_PREDICATE, keyless.details);
  }
  if (trust.requireLogEntry) return refused("key-signed sigstore bundles' transparency log entries are not checked yet");
  return verifyDsse(envelope, subjectDigest, trust.keys, COSIGN_SIGN_PREDICATE);
}
