import { createHash, X509Certificate } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import type { Signer, TrustMaterial } from '@sigstore/verify';
import { doublestarMatch } from '../../platform/lib/index.js';
import { verifyLibraries } from './libraries.js';
import { refused, verified, type Verdict } from './result.js';

/** A `trusted_root.json` is a few kilobytes (the public Sigstore's is about 10 KiB). */
export const MAX_TRUSTED_ROOT_BYTES = 256 * 1024;
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

/**
 * Who may sign keylessly: the certificate's OIDC issuer and subject (its email or URI). Both are
 * Harbor-style doublestar patterns (`*` within a path segment, `**` across), matched in linear time.
 */
export interface KeylessRule {
  readonly issuer: string;
  readonly subject: string;
}

/** A trust root read from the operator's `trusted_root.json`, and the name it shows under. */
export interface SigstoreRoot {
  readonly name: string;
  readonly material: TrustMaterial;
}

export interface KeylessTrust {
  readonly roots: readonly SigstoreRoot[];
  readonly rules: readonly KeylessRule[];
}

export class TrustedRootError extends Error {
  override readonly name = 'TrustedRootError';
}

/** Reads a Sigstore `trusted_root.json` into what the verifier checks against; throws when it is not one. */
export function readTrustedRoot(text: string): TrustMaterial {
  const { specs, verify } = verifyLibraries();
  if (Buffer.byteLength(text) > MAX_TRUSTED_ROOT_BYTES) throw new TrustedRootError('the trusted root is too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TrustedRootError('the trusted root is not JSON');
  }
  let material: TrustMaterial;
  try {
    material = verify.toTrustMaterial(specs.TrustedRoot.fromJSON(json));
  } catch (error) {
    throw new TrustedRootError(`the trusted root is not a Sigstore trusted_root.json: ${error instanceof Error ? error.message : 'unreadable'}`);
  }
  if (material.certificateAuthorities.length === 0) throw new TrustedRootError('the trusted root names no certificate authority (Fulcio)');
  if (material.tlogs.length === 0) throw new TrustedRootError('the trusted root names no transparency log (Rekor)');
  return material;
}

/** A stable name for a trusted root: the SHA-256 of its JSON, re-serialised so whitespace does not count. */
export function trustedRootFingerprint(text: string): string {
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(JSON.parse(text)))
    .digest('hex')}`;
}

/** The name a keyless signer shows under. */
export const keylessSigner = (subject: string, issuer: string): string => `${subject} (issuer ${issuer})`;

function ruleFor(rules: readonly KeylessRule[], subject: string, issuer: string): KeylessRule | undefined {
  return rules.find((rule) => doublestarMatch(rule.issuer, issuer) && doublestarMatch(rule.subject, subject));
}

/** Whether the leaf certificate may sign code at all (Fulcio's carry the code-signing purpose). */
function signsCode(bundle: Bundle): boolean {
  const content = bundle.verificationMaterial.content;
  const raw =
    content.$case === 'certificate'
      ? content.certificate.rawBytes
      : content.$case === 'x509CertificateChain'
        ? content.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  if (!raw) return false;
  try {
    return new X509Certificate(Buffer.from(raw)).keyUsage?.includes(CODE_SIGNING) ?? false;
  } catch {
    return false;
  }
}

/**
 * Checks a keyless Sigstore bundle as `cosign verify --certificate-identity … --certificate-oidc-issuer …`
 * does, with the sigstore libraries: the certificate chains to a trusted Fulcio at the time the
 * transparency log recorded the signature, carries an SCT from a trusted CT log, the log entry is
 * Rekor's promise (or proof) for this very signature, the signature is over `artifact` (or the
 * DSSE envelope's own payload), and the certificate's identity matches a rule.
 */
export function verifyKeylessBundle(serialized: unknown, artifact: Buffer | undefined, trust: KeylessTrust): Verdict {
  if (trust.roots.length === 0) return refused('keyless signatures need a Sigstore trusted root, and none is configured');
  const libraries = verifyLibraries();
  let bundle: Bundle;
  try {
    bundle = libraries.bundle.bundleFromJSON(serialized);
  } catch (error) {
    return refused(`the keyless signature's bundle is malformed: ${error instanceof Error ? error.message : 'unreadable'}`);
  }
  if (bundle.verificationMaterial.content.$case === 'publicKey') return refused('the bundle is signed with a key, not a certificate');
  if (bundle.verificationMaterial.tlogEntries.length === 0) return refused('the keyless signature has no transparency log entry to time it');
  if (!signsCode(bundle)) return refused('the signing certificate is not for code signing');
  let signer: Signer | undefined;
  let reason = 'no trusted root verifies the signature';
  for (const root of trust.roots) {
    try {
      const entity = libraries.verify.toSignedEntity(bundle, artifact);
      signer = new libraries.verify.Verifier(root.material, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(entity);
      break;
    } catch (error) {
      reason = error instanceof Error ? error.message : reason;
    }
  }
  if (!signer) return refused(`the keyless signature does not verify: ${reason}`);
  const subject = signer.identity?.subjectAlternativeName ?? '';
  const issuer = signer.identity?.extensions?.issuer ?? '';
  const name = keylessSigner(subject, issuer);
  if (!subject || !issuer) return refused('the signing certificate names no identity or issuer', name);
  if (trust.rules.length === 0) return refused('no keyless identity is trusted: add one to the trust policy', name);
  if (!ruleFor(trust.rules, subject, issuer)) return refused('the signing identity is not trusted by the trust policy', name);
  const entry = bundle.verificationMaterial.tlogEntries[0]!;
  const when = new Date(Number(entry.integratedTime) * 1000).toISOString();
  return verified(name, [`certificate from a trusted Fulcio`, `in the transparency log at index ${entry.logIndex}, ${when}`]);
}
