/**
 * RFC 3161 timestamps on notation signatures, made by a real timestamp authority (`openssl ts`
 * with its own CA) over signatures made here, and GlobalSign's token on notation's own vector:
 * checked the way `notation verify` checks them (authenticTimestamp, verifyTimestamp).
 */
import assert from 'node:assert/strict';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { exampleSubject as subject, hasOpenssl, Pki, signCose, signJws, SIGNING_EXTENSIONS, TSA_EXTENSIONS, type Signed } from '../testing/notation-tsa.suite.js';
import { loadVerifyLibraries } from './libraries.js';
import { verifyNotationJws, type NotationTrust } from './notation.js';
import { verifyNotationCose } from './notation-cose.js';
import { verifyTimestampToken } from './timestamp.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
const DAY = 24 * 60 * 60 * 1000;

function flipped(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

// The verifiers are synchronous and read the libraries loaded here.
await loadVerifyLibraries();

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
    // Found by its shape, not its first two bytes alone, which the token's random serial or nonce may hold too.
    let genTime = -1;
    for (let at = token.indexOf(0x18); at >= 0 && genTime < 0; at = token.indexOf(0x18, at + 1)) {
      if (token[at + 1] === 0x0f && /^\d{14}Z$/.test(token.subarray(at + 2, at + 17).toString('latin1'))) genTime = at;
    }
    assert.ok(genTime > 0);
    // The units of its seconds: any digit flipped there is still a valid time (an hour's tens digit may not be).
    assert.deepEqual(judge(flipped(token, genTime + 15)), refusedFor("the timestamp's signature is not over its TSTInfo"));
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
