import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_codeSigning,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { COSIGN_BUNDLE_ANNOTATION, COSIGN_CERTIFICATE_ANNOTATION, COSIGN_CHAIN_ANNOTATION, COSIGN_SIGNATURE_ANNOTATION } from '../verify/cosign.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
const SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const TEN_MINUTES = 10 * 60 * 1000;

/** Who a keyless certificate says signed: the OIDC subject (an email or a URI) and the issuer that vouched for it. */
export interface KeylessIdentity {
  readonly subject: string;
  readonly issuer: string;
}

export interface IssueOptions {
  /** When the certificate starts; now by default. It lasts ten minutes, as Fulcio's do. */
  readonly at?: Date;
  /** Leave out the signed certificate timestamp. */
  readonly withoutSct?: boolean;
  /** Sign the SCT with this CT log key instead of the trusted one. */
  readonly sctKey?: KeyObject;
}

export interface SignOptions extends IssueOptions {
  /** Leave out the Rekor bundle. */
  readonly withoutLogEntry?: boolean;
  /** When Rekor logged the signature; the certificate's start by default. */
  readonly loggedAt?: Date;
}

const ecKeyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spkiOf = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

function nameOf(attributes: Record<string, string>): Name {
  return new Name(
    Object.entries(attributes).map(
      ([type, value]) => new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]),
    ),
  );
}

function extension(extnID: string, value: unknown, critical = false): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** DER bytes as PEM text. */
function pemOf(der: Uint8Array, label = 'CERTIFICATE'): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Rekor's canonical JSON: keys sorted, no spaces (enough for the flat and nested objects used here). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

interface TbsParts {
  issuer: Name;
  subject: Name;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

function tbsOf(parts: TbsParts, serial: Buffer): TBSCertificate {
  return new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: parts.issuer,
    validity: new Validity({ notBefore: parts.notBefore, notAfter: parts.notAfter }),
    subject: parts.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spkiOf(parts.publicKey), SubjectPublicKeyInfo),
    extensions: new Extensions(parts.extensions),
  });
}

function signedCertificate(tbs: TBSCertificate, issuerKey: KeyObject): Buffer {
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), issuerKey);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signatureValue: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(certificate));
}

/**
 * A private Sigstore of the test's own: a Fulcio-like certificate authority, a certificate
 * transparency log and a Rekor log, each with a fresh key. It issues short-lived signing
 * certificates with an embedded SCT, signs cosign payloads with them, logs them with a signed
 * entry timestamp, and describes itself as a `trusted_root.json`, the file an operator gives
 * Berth for keyless verification.
 */
export class TestSigstore {
  readonly fulcio = ecKeyPair();
  readonly ctLog = ecKeyPair();
  readonly rekor = ecKeyPair();
  readonly rootCertificate: Buffer;
  private readonly rootName = nameOf({ [ORGANIZATION]: 'berth-test', [COMMON_NAME]: 'berth-test-fulcio' });
  private logIndex = 0;

  constructor(readonly created = new Date(Date.now() - 24 * 3600 * 1000)) {
    const extensions = [
      extension(id_ce_basicConstraints, new BasicConstraints({ cA: true, pathLenConstraint: 1 }), true),
      extension(id_ce_keyUsage, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign), true),
    ];
    const parts = {
      issuer: this.rootName,
      subject: this.rootName,
      publicKey: this.fulcio.publicKey,
      notBefore: created,
      notAfter: new Date(created.getTime() + 3650 * 24 * 3600 * 1000),
      extensions,
    };
    this.rootCertificate = signedCertificate(tbsOf(parts, Buffer.from([0x01])), this.fulcio.privateKey);
  }

  get rootPem(): string {
    return pemOf(this.rootCertificate);
  }

  /** The `trusted_root.json` that trusts this instance's CA, CT log and Rekor. */
  trustedRoot(): Record<string, unknown> {
    const start = this.created.toISOString();
    const log = (key: KeyObject, baseUrl: string) => ({
      baseUrl,
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: spkiOf(key).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
      logId: { keyId: sha256(spkiOf(key)).toString('base64') },
    });
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [log(this.rekor.publicKey, 'https://rekor.berth.test')],
      certificateAuthorities: [
        {
          subject: { organization: 'berth-test', commonName: 'berth-test-fulcio' },
          uri: 'https://fulcio.berth.test',
          certChain: { certificates: [{ rawBytes: this.rootCertificate.toString('base64') }] },
          validFor: { start },
        },
      ],
      ctlogs: [log(this.ctLog.publicKey, 'https://ctfe.berth.test')],
      timestampAuthorities: [],
    };
  }

  /** A Fulcio-style signing certificate for `identity`, with its SCT, and its private key. */
  issue(identity: KeylessIdentity, options: IssueOptions = {}): { certificate: Buffer; privateKey: KeyObject } {
    const keys = ecKeyPair();
    const notBefore = options.at ?? new Date();
    const san =
      identity.subject.includes('@') && !identity.subject.includes('://') ? { rfc822Name: identity.subject } : { uniformResourceIdentifier: identity.subject };
    const extensions = [
      extension(id_ce_keyUsage, new KeyUsage(KeyUsageFlags.digitalSignature), true),
      extension(id_ce_extKeyUsage, new ExtendedKeyUsage([id_kp_codeSigning])),
      extension(id_ce_subjectAltName, new SubjectAlternativeName([new GeneralName(san)]), true),
      new Extension({ extnID: FULCIO_ISSUER_V1, critical: false, extnValue: new OctetString(Buffer.from(identity.issuer, 'ascii')) }),
      extension(FULCIO_ISSUER_V2, new AttributeValue({ utf8String: identity.issuer })),
    ];
    const parts = {
      issuer: this.rootName,
      subject: new Name(),
      publicKey: keys.publicKey,
      notBefore,
      notAfter: new Date(notBefore.getTime() + TEN_MINUTES),
      extensions,
    };
    const serial = Buffer.concat([Buffer.from([0x02]), sha256(spkiOf(keys.publicKey)).subarray(0, 15)]);
    if (!options.withoutSct) {
      const precertificate = Buffer.from(AsnConvert.serialize(tbsOf(parts, serial)));
      const sct = this.timestampCertificate(precertificate, notBefore, options.sctKey ?? this.ctLog.privateKey);
      const list = Buffer.alloc(4);
      list.writeUInt16BE(sct.length + 2, 0);
      list.writeUInt16BE(sct.length, 2);
      parts.extensions = [...extensions, extension(SCT_LIST, new OctetString(Buffer.concat([list, sct])))];
    }
    return { certificate: signedCertificate(tbsOf(parts, serial), this.fulcio.privateKey), privateKey: keys.privateKey };
  }

  /** An RFC 6962 SCT over the precertificate's TBS, as a CT log answers Fulcio. */
  private timestampCertificate(precertificateTbs: Buffer, at: Date, logKey: KeyObject): Buffer {
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64BE(BigInt(at.getTime()));
    const tbsLength = Buffer.alloc(3);
    tbsLength.writeUIntBE(precertificateTbs.length, 0, 3);
    const signed = Buffer.concat([
      Buffer.from([0x00, 0x00]), // v1, certificate_timestamp
      timestamp,
      Buffer.from([0x00, 0x01]), // precert_entry
      sha256(spkiOf(this.fulcio.publicKey)),
      tbsLength,
      precertificateTbs,
      Buffer.from([0x00, 0x00]), // no extensions
    ]);
    const signature = sign('sha256', signed, logKey);
    const signatureLength = Buffer.alloc(2);
    signatureLength.writeUInt16BE(signature.length);
    return Buffer.concat([Buffer.from([0x00]), sha256(spkiOf(this.ctLog.publicKey)), timestamp, Buffer.from([0x00, 0x00, 0x04, 0x03]), signatureLength, signature]);
  }

  /**
   * Signs a cosign simple-signing payload keylessly, as `cosign sign` does without `--key`: the
   * layer annotations it writes (signature, certificate, chain, and the Rekor bundle).
   */
  signCosign(payload: Uint8Array, identity: KeylessIdentity, options: SignOptions = {}): Record<string, string> {
    const { certificate, privateKey } = this.issue(identity, options);
    const signature = sign('sha256', payload, privateKey);
    const annotations: Record<string, string> = {
      [COSIGN_SIGNATURE_ANNOTATION]: signature.toString('base64'),
      [COSIGN_CERTIFICATE_ANNOTATION]: pemOf(certificate),
      [COSIGN_CHAIN_ANNOTATION]: this.rootPem,
    };
    if (!options.withoutLogEntry)
      annotations[COSIGN_BUNDLE_ANNOTATION] = JSON.stringify(this.logEntry(payload, signature, certificate, options.loggedAt ?? options.at ?? new Date()));
    return annotations;
  }

  /** Rekor's offline bundle for a hashedrekord entry: the entry and its signed entry timestamp. */
  private logEntry(payload: Uint8Array, signature: Buffer, certificate: Buffer, at: Date) {
    const body = Buffer.from(
      canonical({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: sha256(payload).toString('hex') } },
          signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(pemOf(certificate)).toString('base64') } },
        },
      }),
    ).toString('base64');
    const entry = {
      body,
      integratedTime: Math.floor(at.getTime() / 1000) + 1,
      logID: sha256(spkiOf(this.rekor.publicKey)).toString('hex'),
      logIndex: this.logIndex++,
    };
    return { SignedEntryTimestamp: sign('sha256', Buffer.from(canonical(entry)), this.rekor.privateKey).toString('base64'), Payload: entry };
  }

  /**
   * Signs an image keylessly as cosign v3 does: an in-toto statement about `subjectDigest` in a
   * DSSE envelope, logged as a Rekor `dsse` entry with an inclusion proof, all in a v0.3 bundle.
   */
  signBundle(subjectDigest: string, identity: KeylessIdentity, options: IssueOptions & { predicateType?: string } = {}): Buffer {
    const { certificate, privateKey } = this.issue(identity, options);
    const [algorithm, hex] = subjectDigest.split(':');
    const statement = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'image', digest: { [algorithm!]: hex } }],
        predicateType: options.predicateType ?? 'https://sigstore.dev/cosign/sign/v1',
        predicate: {},
      }),
    );
    const payloadType = 'application/vnd.in-toto+json';
    const type = Buffer.from(payloadType);
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${statement.length} `), statement]);
    const signature = sign('sha256', pae, privateKey);
    const envelope = { payload: statement.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] };
    const body = Buffer.from(
      canonical({
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(JSON.stringify(envelope))).toString('hex') },
          payloadHash: { algorithm: 'sha256', value: sha256(statement).toString('hex') },
          signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(pemOf(certificate)).toString('base64') }],
        },
      }),
    );
    const at = options.at ?? new Date();
    const logID = sha256(spkiOf(this.rekor.publicKey));
    const entry = { body: body.toString('base64'), integratedTime: Math.floor(at.getTime() / 1000) + 1, logID: logID.toString('hex'), logIndex: this.logIndex++ };
    // A tree of one: the root is the leaf's hash, and the checkpoint is Rekor's signed note over it.
    const root = sha256(Buffer.concat([Buffer.from([0x00]), body]));
    const note = `rekor.berth.test - 1\n1\n${root.toString('base64')}\n`;
    const noteSignature = Buffer.concat([logID.subarray(0, 4), sign('sha256', Buffer.from(note), this.rekor.privateKey)]);
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: certificate.toString('base64') },
        tlogEntries: [
          {
            logIndex: String(entry.logIndex),
            logId: { keyId: logID.toString('base64') },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(entry.integratedTime),
            inclusionPromise: { signedEntryTimestamp: sign('sha256', Buffer.from(canonical(entry)), this.rekor.privateKey).toString('base64') },
            inclusionProof: {
              logIndex: '0',
              rootHash: root.toString('base64'),
              treeSize: '1',
              hashes: [],
              checkpoint: { envelope: `${note}\n\u2014 rekor.berth.test ${noteSignature.toString('base64')}\n` },
            },
            canonicalizedBody: body.toString('base64'),
          },
        ],
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      dsseEnvelope: envelope,
    };
    return Buffer.from(JSON.stringify(bundle));
  }
}
