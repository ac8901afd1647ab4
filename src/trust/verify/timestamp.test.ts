/**
 * RFC 3161 timestamps on notation signatures, made by a real timestamp authority (`openssl ts`
 * with its own CA) over signatures made here, and GlobalSign's token on notation's own vector:
 * checked the way `notation verify` checks them (authenticTimestamp, verifyTimestamp).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { encode, Tag } from 'cbor2';
import { NOTATION_PAYLOAD_TYPE, TIMESTAMP_HEADER, verifyNotationJws, type NotationTrust } from './notation.js';
import { verifyNotationCose } from './notation-cose.js';
import { verifyTimestampToken } from './timestamp.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const DAY = 24 * 60 * 60 * 1000;

function flipped(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** A certificate authority, a timestamp authority and a code-signing certificate, made by openssl in a scratch folder. */
class Pki {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-tsa-'));
  private run(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  private write(name: string, text: string): string {
    writeFileSync(join(this.dir, name), text);
    return name;
  }
  read(name: string): Buffer {
    return readFileSync(join(this.dir, name));
  }

  root(name: string, subject: string): X509Certificate {
    this.run(
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-subj', subject, '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ); // prettier-ignore
    return new X509Certificate(this.read(`${name}.crt`));
  }

  /** A certificate issued by `issuer`, with the extensions given (openssl extension syntax). */
  issue(name: string, issuer: string, subject: string, days: number, extensions: string): { cert: X509Certificate; key: KeyObject } {
    this.run('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    const ext = this.write(`${name}.ext`, `${extensions}\n`);
    this.run(
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
      '-days', String(days), '-sha256', '-extfile', ext, '-out', `${name}.crt`,
    ); // prettier-ignore
    const cert = new X509Certificate(this.read(`${name}.crt`));
    writeFileSync(join(this.dir, `${name}.crt.der`), cert.raw);
    return { cert, key: createPrivateKey(this.read(`${name}.key`)) };
  }

  /** `openssl ts`: a timestamp request over `data`, answered by the TSA `tsa` (issued by `tsaRoot`); the DER TimeStampToken. */
  stamp(data: Uint8Array, tsa: string, tsaRoot: string, options: { hash?: string; accuracy?: string } = {}): Buffer {
    writeFileSync(join(this.dir, 'data.bin'), data);
    this.write('tsaserial', '01\n');
    const config = this.write(
      'ts.cnf',
      [
        '[ tsa ]',
        'default_tsa = tsa_config',
        '[ tsa_config ]',
        `serial = ${join(this.dir, 'tsaserial')}`,
        'crypto_device = builtin',
        'signer_digest = sha256',
        'default_policy = 1.2.3.4.1',
        'digests = sha256, sha384, sha512',
        // No accuracy by default: a signing certificate issued in the same second as the stamp
        // would otherwise start after the stamp's earliest possible time.
        ...(options.accuracy ? [`accuracy = ${options.accuracy}`] : []),
        'ordering = yes',
        'tsa_name = yes',
        'ess_cert_id_chain = no',
        'ess_cert_id_alg = sha256',
      ].join('\n'),
    );
    this.run('ts', '-query', '-data', 'data.bin', `-${options.hash ?? 'sha256'}`, '-cert', '-out', 'request.tsq');
    this.run(
      'ts', '-reply', '-config', config, '-queryfile', 'request.tsq', '-signer', `${tsa}.crt`, '-inkey', `${tsa}.key`,
      '-chain', `${tsaRoot}.crt`, '-token_out', '-out', 'token.der',
    ); // prettier-ignore
    return this.read('token.der');
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const TSA_EXTENSIONS = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping';
const SIGNING_EXTENSIONS = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning';

const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
const subject = {
  digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
  size: manifest.length,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};
const payload = Buffer.from(JSON.stringify({ targetArtifact: subject }));

interface Signed {
  readonly signature: Buffer;
  /** The envelope, with the timestamp token given (if any) among its unsigned attributes. */
  envelope(token?: Buffer): Buffer;
}

/** A notation JWS envelope (ES256) signed by `key`, its chain in x5c. */
function signJws(key: KeyObject, chain: readonly X509Certificate[], scheme: 'notary.x509' | 'notary.x509.signingAuthority', signingTime: Date): Signed {
  const timeHeader = scheme === 'notary.x509' ? 'io.cncf.notary.signingTime' : 'io.cncf.notary.authenticSigningTime';
  const protectedHeader = Buffer.from(
    JSON.stringify({
      alg: 'ES256',
      cty: NOTATION_PAYLOAD_TYPE,
      crit: ['io.cncf.notary.signingScheme', ...(scheme === 'notary.x509' ? [] : [timeHeader])],
      'io.cncf.notary.signingScheme': scheme,
      [timeHeader]: signingTime.toISOString(),
    }),
  ).toString('base64url');
  const body = payload.toString('base64url');
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return {
    signature,
    envelope: (token) =>
      Buffer.from(
        JSON.stringify({
          payload: body,
          protected: protectedHeader,
          header: {
            x5c: chain.map((c) => c.raw.toString('base64')),
            'io.cncf.notary.signingAgent': 'berth-tests',
            ...(token ? { [TIMESTAMP_HEADER]: token.toString('base64') } : {}),
          },
          signature: signature.toString('base64url'),
        }),
      ),
  };
}

/** The same as a COSE_Sign1 envelope, as notation writes one. */
function signCose(key: KeyObject, chain: readonly X509Certificate[], signingTime: Date): Signed {
  const protectedBytes = encode(
    new Map<unknown, unknown>([
      [1, -7],
      [2, ['io.cncf.notary.signingScheme']],
      [3, NOTATION_PAYLOAD_TYPE],
      ['io.cncf.notary.signingScheme', 'notary.x509'],
      ['io.cncf.notary.signingTime', new Tag(1, Math.floor(signingTime.getTime() / 1000))],
    ]),
  );
  const signed = encode(['Signature1', protectedBytes, new Uint8Array(0), new Uint8Array(payload)]);
  const signature = sign('sha256', signed, { key, dsaEncoding: 'ieee-p1363' });
  return {
    signature,
    envelope: (token) => {
      const unprotected = new Map<unknown, unknown>([[33, chain.map((c) => new Uint8Array(c.raw))]]);
      if (token) unprotected.set(TIMESTAMP_HEADER, new Uint8Array(token));
      return Buffer.from(encode(new Tag(18, [protectedBytes, unprotected, new Uint8Array(payload), new Uint8Array(signature)])));
    },
  };
}

describe('RFC 3161 timestamps on notation signatures', { skip: hasOpenssl ? false : 'openssl is not installed: no timestamp authority to test with' }, () => {
  let pki: Pki;
  let tsaRoot: X509Certificate;
  let strangerRoot: X509Certificate;
  let signingRoot: X509Certificate;
  let leaf: { cert: X509Certificate; key: KeyObject };
  let signed: Signed;
  let token: Buffer;
  let trust: NotationTrust;
  const started = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  /** A time after the signing certificate's end: the timestamp is what keeps the signature valid then. */
  let afterExpiry: Date;

  before(() => {
    pki = new Pki();
    tsaRoot = pki.root('tsa-root', '/O=Berth Tests/CN=Test TSA Root');
    pki.issue('tsa', 'tsa-root', '/O=Berth Tests/CN=Test TSA', 365, TSA_EXTENSIONS);
    strangerRoot = pki.root('stranger-root', '/O=Elsewhere/CN=Other TSA Root');
    pki.issue('stranger-tsa', 'stranger-root', '/O=Elsewhere/CN=Other TSA', 365, TSA_EXTENSIONS);
    signingRoot = pki.root('signing-root', '/O=Berth Tests/CN=Signing Root');
    leaf = pki.issue('signer', 'signing-root', '/O=Berth Tests/CN=release', 30, SIGNING_EXTENSIONS);
    signed = signJws(leaf.key, [leaf.cert, signingRoot], 'notary.x509', new Date());
    token = pki.stamp(signed.signature, 'tsa', 'tsa-root');
    trust = { anchors: [signingRoot], trustedIdentities: ['*'], level: 'strict', tsaAnchors: [tsaRoot] };
    afterExpiry = new Date(new Date(leaf.cert.validTo).getTime() + 365 * DAY);
  });
  after(() => pki?.close());

  const details = (verdict: ReturnType<typeof verifyNotationJws>) => (verdict.verified ? (verdict.details ?? []) : []);
  const stampedBy = /^timestamped by O=Berth Tests, CN=Test TSA at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/;

  it('a timestamp by a trusted TSA verifies and is named in the verdict', () => {
    const verdict = verifyNotationJws(signed.envelope(token), subject, { ...trust, verifyTimestamp: 'always' }, new Date());
    assert.equal(verdict.verified, true, JSON.stringify(verdict));
    assert.equal(verdict.signer, 'O=Berth Tests, CN=release');
    const shown = details(verdict).find((d) => stampedBy.test(d));
    assert.ok(shown, JSON.stringify(verdict));
    const at = new Date(stampedBy.exec(shown)![1]!);
    assert.ok(at >= started && at <= new Date(), `${at.toISOString()} is the time the TSA stamped`);
    // The default (afterCertExpiry) does not need it while the certificate is valid, and still shows it.
    assert.ok(details(verifyNotationJws(signed.envelope(token), subject, trust, new Date())).some((d) => stampedBy.test(d)));
  });

  it('the token on its own: the TSA, its time and the accuracy openssl was configured with', () => {
    const check = verifyTimestampToken(pki.stamp(signed.signature, 'tsa', 'tsa-root', { accuracy: 'secs:1, millisecs:500' }), signed.signature, [tsaRoot]);
    assert.equal(check.verified, true, JSON.stringify(check));
    assert.equal(check.verified && check.authority, 'O=Berth Tests, CN=Test TSA');
    assert.equal(check.verified && check.accuracyMs, 1500);
    // The imprint in the token's other hashes counts the same way.
    for (const hash of ['sha384', 'sha512'])
      assert.equal(verifyTimestampToken(pki.stamp(signed.signature, 'tsa', 'tsa-root', { hash }), signed.signature, [tsaRoot]).verified, true);
  });

  it('an expired signing certificate with a timestamp inside its validity still verifies; without one it is refused', () => {
    const stamped = verifyNotationJws(signed.envelope(token), subject, trust, afterExpiry);
    assert.equal(stamped.verified, true, JSON.stringify(stamped));
    assert.ok(details(stamped).some((d) => stampedBy.test(d)));
    const bare = verifyNotationJws(signed.envelope(), subject, trust, afterExpiry);
    assert.equal(bare.verified, false);
    assert.match(bare.verified ? '' : bare.reason, /^the certificate O=Berth Tests, CN=release expired .* and the signature has no timestamp$/);
    // Without a TSA root nothing checks the timestamp, as in notation: the certificate must be valid now.
    const untrusted = verifyNotationJws(signed.envelope(token), subject, { ...trust, tsaAnchors: [] }, afterExpiry);
    assert.deepEqual(untrusted, {
      verified: false,
      reason: 'the certificate O=Berth Tests, CN=release is not valid now (its timestamp is not checked: no TSA root is trusted)',
      signer: 'O=Berth Tests, CN=release',
    });
  });

  it("a timestamp whose accuracy reaches outside the signing certificate's validity is refused", () => {
    // An hour either way reaches before the certificate was issued.
    const vague = pki.stamp(signed.signature, 'tsa', 'tsa-root', { accuracy: 'secs:3600' });
    const verdict = verifyNotationJws(signed.envelope(vague), subject, trust, afterExpiry);
    assert.equal(verdict.verified, false);
    assert.match(verdict.verified ? '' : verdict.reason, /^the timestamp \S+ is outside the validity of the certificate O=Berth Tests, CN=release$/);
  });

  it('with verifyTimestamp always, a signature without a timestamp is refused', () => {
    assert.deepEqual(verifyNotationJws(signed.envelope(), subject, { ...trust, verifyTimestamp: 'always' }, new Date()), {
      verified: false,
      reason: 'the signature has no timestamp, which the trust policy requires',
      signer: 'O=Berth Tests, CN=release',
    });
  });

  it('a token with one flipped byte is refused', () => {
    const always: NotationTrust = { ...trust, verifyTimestamp: 'always' };
    const judge = (tampered: Buffer) => verifyNotationJws(signed.envelope(tampered), subject, always, new Date());
    const refusedFor = (reason: string) => ({ verified: false, reason, signer: 'O=Berth Tests, CN=release' });
    // The last bytes are the TSA's signature over the signed attributes.
    assert.deepEqual(judge(flipped(token, token.length - 8)), refusedFor("the timestamp's signature does not verify"));
    // The stamped time (GeneralizedTime, tag 0x18) is in the TSTInfo the signature covers.
    const genTime = token.indexOf(Buffer.from([0x18, 0x0f]));
    assert.ok(genTime > 0);
    assert.deepEqual(judge(flipped(token, genTime + 10)), refusedFor("the timestamp's signature is not over its TSTInfo"));
    // The TSA's certificate is bound by the signed signingCertificateV2 attribute.
    const tsaCert = token.indexOf(pki.read('tsa.crt.der'));
    assert.ok(tsaCert > 0);
    assert.deepEqual(judge(flipped(token, tsaCert + 200)), refusedFor("the timestamp's signing certificate attribute names another certificate"));
    for (const at of [0, 5, 50, token.length - 1]) assert.equal(judge(flipped(token, at)).verified, false, `byte ${at}`);
    // The copy of the TSA root the token carries is not what is trusted: the trust store's root is used, so altering the copy changes nothing.
    const rootCopy = token.indexOf(tsaRoot.raw);
    assert.ok(rootCopy > 0);
    assert.equal(judge(flipped(token, rootCopy + 60)).verified, true);
  });

  it('a timestamp over other bytes than the signature is refused', () => {
    const other = pki.stamp(Buffer.from('some other signature'), 'tsa', 'tsa-root');
    assert.deepEqual(verifyNotationJws(signed.envelope(other), subject, trust, afterExpiry), {
      verified: false,
      reason: 'the timestamp is over other bytes than this signature',
      signer: 'O=Berth Tests, CN=release',
    });
  });

  it('a TSA outside the trust store is refused', () => {
    const foreign = pki.stamp(signed.signature, 'stranger-tsa', 'stranger-root');
    assert.deepEqual(verifyNotationJws(signed.envelope(foreign), subject, trust, afterExpiry), {
      verified: false,
      reason: 'the timestamp authority O=Elsewhere, CN=Other TSA is not trusted',
      signer: 'O=Berth Tests, CN=release',
    });
    assert.equal(verifyNotationJws(signed.envelope(token), subject, { ...trust, tsaAnchors: [strangerRoot] }, afterExpiry).verified, false);
    // Trusting the code-signing root does not make it a TSA root.
    assert.equal(verifyNotationJws(signed.envelope(token), subject, { ...trust, tsaAnchors: [signingRoot] }, afterExpiry).verified, false);
  });

  it('permissive and audit log a failed timestamp check instead of refusing', () => {
    const tampered = signed.envelope(flipped(token, token.length - 8));
    for (const level of ['permissive', 'audit'] as const) {
      const verdict = verifyNotationJws(tampered, subject, { ...trust, level }, afterExpiry);
      assert.equal(verdict.verified, true, level);
      assert.ok(details(verdict).includes("the timestamp's signature does not verify"), JSON.stringify(verdict));
    }
  });

  it('notary.x509.signingAuthority uses the authentic signing time of the envelope, not a timestamp', () => {
    const inside = signJws(leaf.key, [leaf.cert, signingRoot], 'notary.x509.signingAuthority', new Date());
    assert.equal(verifyNotationJws(inside.envelope(), subject, { ...trust, verifyTimestamp: 'always' }, afterExpiry).verified, true);
    const before = signJws(leaf.key, [leaf.cert, signingRoot], 'notary.x509.signingAuthority', new Date('2001-01-01T00:00:00Z'));
    assert.deepEqual(verifyNotationJws(before.envelope(), subject, trust, new Date()), {
      verified: false,
      reason: 'the certificate O=Berth Tests, CN=release was not valid when the signature was made (2001-01-01T00:00:00.000Z)',
      signer: 'O=Berth Tests, CN=release',
    });
  });

  it('COSE envelopes carry the token under the same label', () => {
    const cose = signCose(leaf.key, [leaf.cert, signingRoot], new Date());
    const coseToken = pki.stamp(cose.signature, 'tsa', 'tsa-root');
    const verdict = verifyNotationCose(cose.envelope(coseToken), subject, trust, afterExpiry);
    assert.equal(verdict.verified, true, JSON.stringify(verdict));
    assert.ok(details(verdict).some((d) => stampedBy.test(d)));
    assert.equal(verifyNotationCose(cose.envelope(), subject, trust, afterExpiry).verified, false);
    // The JWS signature's token does not fit the COSE signature.
    const swapped = verifyNotationCose(cose.envelope(token), subject, trust, afterExpiry);
    assert.equal(swapped.verified ? '' : swapped.reason, 'the timestamp is over other bytes than this signature');
  });
});

describe("notation's own timestamped vector (GlobalSign TSA)", () => {
  const read = (path: string) => readFileSync(join(FIXTURES, path));
  const file = 'notation-jws-truststore/signature-with-rfc3161-timestamp.jws.json';
  const targetOf = (path: string) =>
    (
      JSON.parse(Buffer.from((JSON.parse(read(path).toString()) as { payload: string }).payload, 'base64url').toString()) as {
        targetArtifact: { digest: string; size: number; mediaType: string };
      }
    ).targetArtifact;
  const target = targetOf(file);
  const anchor = new X509Certificate(read('notation-jws-truststore/trust-anchor.crt'));
  const globalSign = new X509Certificate(read('notation-jws-truststore/globalsign-tsa-root.crt'));
  const trust: NotationTrust = { anchors: [anchor], trustedIdentities: ['*'], level: 'strict', tsaAnchors: [globalSign] };
  const afterExpiry = new Date('2034-01-01T00:00:00Z');

  it("after the signing certificate's end, GlobalSign's timestamp keeps the signature valid", () => {
    const verdict = verifyNotationJws(read(file), target, trust, afterExpiry);
    assert.equal(verdict.verified, true, JSON.stringify(verdict));
    assert.deepEqual(verdict.verified && verdict.details, [
      'signed 2024-06-18T06:29:33.000Z',
      'timestamped by C=BE, O=GlobalSign nv-sa, CN=Globalsign TSA for Advanced - G4 - 202311 at 2024-06-18T06:29:37.000Z',
    ]);
  });

  it('without the TSA root, or without the timestamp, the expired certificate is refused', () => {
    assert.equal(verifyNotationJws(read(file), target, { ...trust, tsaAnchors: [] }, afterExpiry).verified, false);
    const plainFile = 'notation-jws-truststore/signature.jws.json';
    const plain = verifyNotationJws(read(plainFile), targetOf(plainFile), trust, afterExpiry);
    assert.equal(plain.verified, false);
    assert.match(plain.verified ? '' : plain.reason, /and the signature has no timestamp$/);
  });
});
