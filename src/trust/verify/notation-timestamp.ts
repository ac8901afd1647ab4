import type { X509Certificate } from 'node:crypto';
import { subjectOf, verifyTimestampToken, type VerifiedTimestamp } from './timestamp.js';

/**
 * When notation asks for the signature's timestamp (its trust policy's `verifyTimestamp`):
 * `always`, or only once a certificate of the signing chain has expired (notation's default).
 */
export type VerifyTimestamp = 'always' | 'afterCertExpiry';
export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';

export interface TimingInput {
  readonly signingScheme: SigningScheme;
  /** The authentic signing time (signingAuthority) or the signer's claim (x509). */
  readonly signingTime?: string | undefined;
  readonly chain: readonly X509Certificate[];
  /** The envelope's signature bytes: what the timestamp stamps. */
  readonly signature: Buffer;
  /** The DER RFC 3161 token from the envelope's unsigned attributes. */
  readonly timestamp?: Buffer | undefined;
}

export interface TimingTrust {
  readonly tsaAnchors?: readonly X509Certificate[];
  readonly verifyTimestamp?: VerifyTimestamp;
}

/** What the check found: a failure (enforced in strict, logged otherwise) and notes for the verdict. */
export interface Timing {
  readonly failure?: string;
  readonly notes: readonly string[];
}

const validAt = (cert: X509Certificate, at: Date) => new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);
const stampedNote = (stamp: VerifiedTimestamp) => `timestamped by ${stamp.authority} at ${stamp.genTime.toISOString()}`;

/**
 * Notation's authenticTimestamp check. Under `notary.x509.signingAuthority` the envelope's
 * authentic signing time must fall inside every certificate's validity. Under `notary.x509`
 * the chain must be valid now, unless the timestamp is to be checked (a TSA root is trusted and
 * the policy says `always`, or a certificate has expired): then the token must verify against
 * the TSA roots and its time, with its accuracy, must fall inside every certificate's validity.
 */
export function authenticTimestamp(envelope: TimingInput, trust: TimingTrust, now: Date): Timing {
  if (envelope.signingScheme === 'notary.x509.signingAuthority') {
    const at = envelope.signingTime ? new Date(envelope.signingTime) : undefined;
    if (!at || Number.isNaN(at.getTime())) return { failure: 'the envelope has no authentic signing time', notes: [] };
    const outside = envelope.chain.find((cert) => !validAt(cert, at));
    if (outside) return { failure: `the certificate ${subjectOf(outside)} was not valid when the signature was made (${at.toISOString()})`, notes: [] };
    return { notes: [] };
  }

  const anchors = trust.tsaAnchors ?? [];
  const policy = trust.verifyTimestamp ?? 'afterCertExpiry';
  const expired = envelope.chain.find((cert) => now > new Date(cert.validTo));
  const stamp = envelope.timestamp && anchors.length > 0 ? verifyTimestampToken(envelope.timestamp, envelope.signature, anchors) : undefined;
  // Notation checks timestamps only when a TSA trust store is configured.
  if (anchors.length === 0 || (policy === 'afterCertExpiry' && !expired)) {
    const invalid = envelope.chain.find((cert) => !validAt(cert, now));
    if (invalid) {
      const unchecked = envelope.timestamp && anchors.length === 0 ? ' (its timestamp is not checked: no TSA root is trusted)' : '';
      return { failure: `the certificate ${subjectOf(invalid)} is not valid now${unchecked}`, notes: [] };
    }
    if (!stamp) return { notes: [] };
    // Not needed yet, but shown: what the timestamp will count for once the certificate expires.
    return { notes: [stamp.verified ? stampedNote(stamp) : `its timestamp does not count: ${stamp.reason}`] };
  }

  if (!envelope.timestamp || !stamp)
    return {
      failure: expired
        ? `the certificate ${subjectOf(expired)} expired ${new Date(expired.validTo).toISOString()} and the signature has no timestamp`
        : 'the signature has no timestamp, which the trust policy requires',
      notes: [],
    };
  if (!stamp.verified) return { failure: stamp.reason, notes: [] };
  const from = new Date(stamp.genTime.getTime() - stamp.accuracyMs);
  const to = new Date(stamp.genTime.getTime() + stamp.accuracyMs);
  const outside = envelope.chain.find((cert) => from < new Date(cert.validFrom) || to > new Date(cert.validTo));
  if (outside)
    return { failure: `the timestamp ${stamp.genTime.toISOString()} is outside the validity of the certificate ${subjectOf(outside)}`, notes: [stampedNote(stamp)] };
  return { notes: [stampedNote(stamp)] };
}
