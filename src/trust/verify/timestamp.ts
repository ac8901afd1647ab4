import { constants, createHash, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { child, children, derOf, DerShapeError, expectTag, generalizedTime, isContext, oidOf, parseDer, SEQUENCE, SET, smallInteger, type DerNode } from './der.js';

/**
 * RFC 3161 timestamp tokens as notation checks them (notation-go's verifier with tspclient-go):
 * the token is CMS SignedData over a TSTInfo whose message imprint is the hash of the stamped
 * bytes; one signer, named by a signingCertificateV2 attribute, signs it; that certificate has
 * the timeStamping extended key usage (alone, and critical) and chains, at the stamped time, to
 * a trusted TSA root.
 */

/** Tokens are a few KiB (the TSA's chain included); anything far larger is refused unread. */
export const MAX_TIMESTAMP_BYTES = 64 * 1024;
const MAX_TOKEN_CERTIFICATES = 16;
const MAX_CHAIN = 10;
const MAX_ATTRIBUTES = 32;

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extendedKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  /** ETSI's baseline timestamp policy: no accuracy given means one second (RFC 3628). */
  baselinePolicy: '0.4.0.2023.1.1',
} as const;

const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const RSA_PSS = '1.2.840.113549.1.1.10';
const ED25519 = '1.3.101.112';

/** What a verified token says: when, how precisely, and who said it. */
export interface VerifiedTimestamp {
  readonly verified: true;
  readonly genTime: Date;
  /** The stamped time lies within genTime ± accuracy. */
  readonly accuracyMs: number;
  /** The TSA certificate's subject. */
  readonly authority: string;
}
export type TimestampCheck = VerifiedTimestamp | { readonly verified: false; readonly reason: string };

const fail = (reason: string): TimestampCheck => ({ verified: false, reason });
export const subjectOf = (cert: X509Certificate): string => cert.subject.replace(/\n/g, ', ');

/** What a certificate's DER says beyond node's X509Certificate: names as bytes, extensions with their criticality. */
interface CertificateFacts {
  readonly cert: X509Certificate;
  readonly der: Buffer;
  readonly issuer: Buffer;
  readonly serial: Buffer;
  readonly subjectKeyId?: Buffer | undefined;
  readonly extendedKeyUsage?: { readonly critical: boolean; readonly purposes: readonly string[] } | undefined;
}

function certificateFacts(certificate: DerNode): CertificateFacts {
  const der = derOf(expectTag(certificate, SEQUENCE));
  const tbs = child(certificate, 0);
  const fields = children(tbs, 6, 10);
  const offset = isContext(fields[0]!, 0) ? 1 : 0;
  const facts: { -readonly [K in keyof CertificateFacts]: CertificateFacts[K] } = {
    cert: new X509Certificate(der),
    der,
    issuer: derOf(child(tbs, offset + 2)),
    serial: child(tbs, offset).value,
  };
  const extensions = fields.find((field) => isContext(field, 3));
  for (const extension of extensions ? children(child(extensions, 0), 0, 64) : []) {
    const parts = children(extension, 2, 3);
    const id = oidOf(parts[0]!);
    const critical = parts.length === 3 && parts[1]!.tag.isBoolean() && parts[1]!.toBoolean();
    const value = parseDer(parts[parts.length - 1]!.value);
    if (id === OID.subjectKeyIdentifier) facts.subjectKeyId = value.value;
    if (id === OID.extendedKeyUsage) facts.extendedKeyUsage = { critical, purposes: children(value, 0, 32).map(oidOf) };
  }
  return facts;
}

/** The digest and padding a SignerInfo's signature algorithm means, or why it is not supported. */
function signatureCheck(algorithm: DerNode, digestHash: string): ((data: Buffer, key: KeyObject, signature: Buffer) => boolean) | string {
  const id = oidOf(child(algorithm, 0));
  const pkcs1 = id === RSA_ENCRYPTION ? digestHash : RSA_PKCS1[id];
  if (pkcs1) return (data, key, signature) => cryptoVerify(pkcs1, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  const ecdsa = ECDSA[id];
  if (ecdsa) return (data, key, signature) => cryptoVerify(ecdsa, data, { key, dsaEncoding: 'der' }, signature);
  if (id === ED25519) return (data, key, signature) => cryptoVerify(null, data, key, signature);
  if (id === RSA_PSS) {
    // RSASSA-PSS-params: [0] hash (sha1 by default, which notation does not take), [2] salt length (20 by default).
    const params = algorithm.subs[1];
    const hashParam = params?.subs.find((p) => isContext(p, 0));
    const saltParam = params?.subs.find((p) => isContext(p, 2));
    const hash = hashParam ? HASHES[oidOf(child(child(hashParam, 0), 0))] : undefined;
    if (!hash) return 'the timestamp is signed with RSASSA-PSS over a hash notation does not accept';
    const saltLength = saltParam ? smallInteger(child(saltParam, 0)) : 20;
    return (data, key, signature) => cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  }
  return `the timestamp's signature algorithm ${id} is not supported`;
}

/** Signed attributes by type; each attribute holds one value here. */
function attributesOf(signedAttributes: DerNode): Map<string, DerNode> {
  const out = new Map<string, DerNode>();
  for (const attribute of children(signedAttributes, 1, MAX_ATTRIBUTES)) {
    const [type, values] = children(attribute, 2, 2) as [DerNode, DerNode];
    const id = oidOf(type);
    if (out.has(id)) throw new DerShapeError('repeated signed attribute');
    out.set(id, child(expectTag(values, SET), 0));
  }
  return out;
}

/** Builds the TSA's chain from the token's certificates to a trust-store root; undefined when there is none. */
function chainToAnchor(leaf: X509Certificate, pool: readonly X509Certificate[], anchors: readonly X509Certificate[]): X509Certificate[] | undefined {
  const chain = [leaf];
  for (let current = leaf; chain.length <= MAX_CHAIN;) {
    if (anchors.some((anchor) => anchor.fingerprint256 === current.fingerprint256)) return chain;
    const issuedBy = (parent: X509Certificate) => parent.ca && current.checkIssued(parent) && current.verify(parent.publicKey);
    const anchor = anchors.find(issuedBy);
    if (anchor) return [...chain, anchor];
    const parent = pool.find((cert) => !chain.some((c) => c.fingerprint256 === cert.fingerprint256) && issuedBy(cert));
    if (!parent) return undefined;
    chain.push(parent);
    current = parent;
  }
  return undefined;
}

const validAt = (cert: X509Certificate, at: Date) => new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);

/**
 * Verifies a DER `TimeStampToken` over `stamped` (for notation, the envelope's signature bytes)
 * against trusted TSA roots.
 */
export function verifyTimestampToken(token: Uint8Array, stamped: Uint8Array, anchors: readonly X509Certificate[]): TimestampCheck {
  if (token.length > MAX_TIMESTAMP_BYTES) return fail('the timestamp is too large');
  try {
    return checkToken(token, stamped, anchors);
  } catch {
    // A shape the reader or a certificate parser does not take: the token is malformed.
    return fail('the timestamp is not a well-formed RFC 3161 token');
  }
}

function checkToken(token: Uint8Array, stamped: Uint8Array, anchors: readonly X509Certificate[]): TimestampCheck {
  // ContentInfo { contentType, [0] EXPLICIT SignedData }
  const contentInfo = children(expectTag(parseDer(token), SEQUENCE), 2, 2);
  if (oidOf(contentInfo[0]!) !== OID.signedData || !isContext(contentInfo[1]!, 0)) return fail('the timestamp is not CMS signed data');
  const signedData = children(child(contentInfo[1]!, 0), 4, 6);
  // SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos }
  const encapsulated = children(signedData[2]!, 2, 2);
  if (oidOf(encapsulated[0]!) !== OID.tstInfo) return fail('the timestamp does not hold a TSTInfo');
  // eContent is [0] EXPLICIT OCTET STRING; its content is the DER TSTInfo the signer digested.
  const tstInfoBytes = expectTag(child(encapsulated[1]!, 0), 0x04).value;
  const certificateSet = signedData.find((node, index) => index > 2 && isContext(node, 0));
  const certificates = certificateSet
    ? children(certificateSet, 0, MAX_TOKEN_CERTIFICATES)
        .filter((c) => c.tag.toDER() === SEQUENCE)
        .map(certificateFacts)
    : [];
  const signerInfos = children(expectTag(signedData[signedData.length - 1]!, SET), 1, 1);

  // TSTInfo { version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, [0] tsa?, [1] extensions? }
  const tstInfo = children(parseDer(tstInfoBytes), 5, 10);
  if (smallInteger(tstInfo[0]!) !== 1) return fail('the timestamp is not a version 1 TSTInfo');
  const policy = oidOf(tstInfo[1]!);
  const [imprintAlgorithm, imprint] = children(tstInfo[2]!, 2, 2) as [DerNode, DerNode];
  const imprintHash = HASHES[oidOf(child(imprintAlgorithm, 0))];
  if (!imprintHash) return fail("the timestamp's message imprint uses a hash notation does not accept");
  if (!createHash(imprintHash).update(stamped).digest().equals(expectTag(imprint, 0x04).value)) return fail('the timestamp is over other bytes than this signature');
  const genTime = generalizedTime(tstInfo[4]!);
  const accuracyNode = tstInfo[5]?.tag.toDER() === SEQUENCE ? tstInfo[5] : undefined;
  let accuracyMs = 0;
  for (const part of accuracyNode ? children(accuracyNode, 0, 3) : []) {
    if (part.tag.isInteger()) accuracyMs += smallInteger(part) * 1000;
    else if (isContext(part, 0)) accuracyMs += smallInteger(part);
    else if (isContext(part, 1)) accuracyMs += smallInteger(part) / 1000;
  }
  if (accuracyMs === 0 && policy === OID.baselinePolicy) accuracyMs = 1000;

  // SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs? }
  const signerInfo = children(signerInfos[0]!, 6, 7);
  const [, sid, digestAlgorithm, signedAttributes, signatureAlgorithm, signatureValue] = signerInfo as [DerNode, DerNode, DerNode, DerNode, DerNode, DerNode];
  const digestHash = HASHES[oidOf(child(digestAlgorithm, 0))];
  if (!digestHash) return fail("the timestamp's signer uses a digest notation does not accept");
  if (!isContext(signedAttributes, 0)) return fail('the timestamp has no signed attributes');
  const attributes = attributesOf(signedAttributes);
  const contentType = attributes.get(OID.contentType);
  if (!contentType || oidOf(contentType) !== OID.tstInfo) return fail("the timestamp's signed content type is not TSTInfo");
  const digest = attributes.get(OID.messageDigest);
  if (!digest || !createHash(digestHash).update(tstInfoBytes).digest().equals(digest.value)) return fail("the timestamp's signature is not over its TSTInfo");

  const signer = isContext(sid, 0)
    ? certificates.find((c) => c.subjectKeyId?.equals(sid.value))
    : certificates.find((c) => c.issuer.equals(derOf(child(sid, 0))) && c.serial.equals(child(sid, 1).value));
  if (!signer) return fail("the timestamp does not carry its authority's certificate");
  // signingCertificateV2 binds the signature to the certificate: RFC 5816, required by notation.
  const essCertificates = attributes.get(OID.signingCertificateV2);
  if (!essCertificates) return fail('the timestamp has no signing certificate attribute');
  const essCertId = children(child(essCertificates, 0), 1, 64)[0]!;
  const essHashNode = essCertId.subs[0]?.tag.toDER() === SEQUENCE ? essCertId.subs[0] : undefined;
  const essHash = essHashNode ? HASHES[oidOf(child(essHashNode, 0))] : 'sha256';
  const certHash = essCertId.subs[essHashNode ? 1 : 0];
  if (!essHash || !certHash || !createHash(essHash).update(signer.der).digest().equals(certHash.value))
    return fail("the timestamp's signing certificate attribute names another certificate");

  const check = signatureCheck(signatureAlgorithm, digestHash);
  if (typeof check === 'string') return fail(check);
  let intact = false;
  try {
    intact = check(derOf(signedAttributes, SET), signer.cert.publicKey, expectTag(signatureValue, 0x04).value);
  } catch {
    intact = false;
  }
  if (!intact) return fail("the timestamp's signature does not verify");

  const authority = subjectOf(signer.cert);
  const eku = signer.extendedKeyUsage;
  if (!eku || eku.purposes.length !== 1 || eku.purposes[0] !== OID.timeStamping)
    return fail(`the timestamp authority's certificate ${authority} is not a timestamping certificate`);
  if (!eku.critical) return fail(`the timestamp authority's certificate ${authority} does not mark its timestamping usage critical`);
  if (signer.cert.ca) return fail(`the timestamp authority's certificate ${authority} is a CA certificate`);
  const chain = chainToAnchor(
    signer.cert,
    certificates.map((c) => c.cert),
    anchors,
  );
  if (!chain) return fail(`the timestamp authority ${authority} is not trusted`);
  const outOfDate = chain.find((cert) => !validAt(cert, genTime));
  if (outOfDate) return fail(`the certificate ${subjectOf(outOfDate)} was not valid at the timestamp's time ${genTime.toISOString()}`);
  return { verified: true, genTime, accuracyMs, authority };
}
