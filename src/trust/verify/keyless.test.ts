import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { TestSigstore } from '../testing/sigstore.suite.js';
import { COSIGN_BUNDLE_ANNOTATION, COSIGN_CERTIFICATE_ANNOTATION, COSIGN_SIGNATURE_ANNOTATION, verifyCosignSignature } from './cosign.js';
import { readTrustedRoot, type KeylessRule } from './keyless.js';
import { loadVerifyLibraries } from './libraries.js';
import { verifySigstoreBundle } from './sigstore-bundle.js';

const SUBJECT = `sha256:${'ab'.repeat(32)}`;
const IDENTITY = { subject: 'release@example.com', issuer: 'https://accounts.example.com' };
const payloadFor = (digest: string) =>
  Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': 'registry/library/app' }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );

function check(sigstore: TestSigstore, annotations: Record<string, string>, rules: readonly KeylessRule[], payload = payloadFor(SUBJECT)) {
  const roots = [{ name: 'test', material: readTrustedRoot(JSON.stringify(sigstore.trustedRoot())) }];
  return verifyCosignSignature({ payload, annotations, subjectDigest: SUBJECT }, { keys: [], logKeys: [], keyless: { roots, rules } });
}

const flip = (base64: string) => {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - 5]! ^= 0x01;
  return bytes.toString('base64');
};

// The verifiers are synchronous and read the libraries loaded here.
await loadVerifyLibraries();

describe('keyless cosign signatures', () => {
  const sigstore = new TestSigstore();
  const trusted = [{ issuer: IDENTITY.issuer, subject: IDENTITY.subject }];

  test('a signature by a trusted identity, with its SCT and Rekor entry, verifies and names the signer', () => {
    const verdict = check(sigstore, sigstore.signCosign(payloadFor(SUBJECT), IDENTITY), trusted);
    assert.equal(verdict.verified, true, verdict.verified ? '' : verdict.reason);
    assert.equal(verdict.signer, 'release@example.com (issuer https://accounts.example.com)');
    assert.match((verdict.verified && verdict.details?.join(' ')) || '', /transparency log at index 0/);
  });

  test('identity rules are doublestar patterns over the subject and the issuer', () => {
    const workflow = { subject: 'https://git.example.com/acme/app/.ci/release.yml@refs/tags/v1', issuer: 'https://token.ci.example.com' };
    const annotations = sigstore.signCosign(payloadFor(SUBJECT), workflow);
    assert.equal(check(sigstore, annotations, [{ issuer: 'https://token.ci.example.com', subject: 'https://git.example.com/acme/**' }]).verified, true);
    const other = check(sigstore, annotations, [{ issuer: 'https://token.ci.example.com', subject: 'https://git.example.com/other/**' }]);
    assert.deepEqual(other.verified ? '' : other.reason, 'the signing identity is not trusted by the trust policy');
    assert.equal(check(sigstore, annotations, [{ issuer: 'https://accounts.example.com', subject: '**' }]).verified, false, 'the issuer must match too');
  });

  test('without identity rules or a trusted root nothing keyless verifies', () => {
    const annotations = sigstore.signCosign(payloadFor(SUBJECT), IDENTITY);
    const noRules = check(sigstore, annotations, []);
    assert.equal(noRules.verified ? '' : noRules.reason, 'no keyless identity is trusted: add one to the trust policy');
    const noRoot = verifyCosignSignature({ payload: payloadFor(SUBJECT), annotations, subjectDigest: SUBJECT }, { keys: [], logKeys: [] });
    assert.equal(noRoot.verified ? '' : noRoot.reason, 'keyless signatures need a Sigstore trusted root, and none is configured');
  });

  test('another Sigstore instance is not trusted', () => {
    const stranger = new TestSigstore();
    const verdict = check(sigstore, stranger.signCosign(payloadFor(SUBJECT), IDENTITY), trusted);
    assert.equal(verdict.verified, false);
  });

  test('one flipped byte in the signature, certificate, SCT or log entry is refused', () => {
    const good = sigstore.signCosign(payloadFor(SUBJECT), IDENTITY);
    const tampered: Record<string, string>[] = [
      { ...good, [COSIGN_SIGNATURE_ANNOTATION]: flip(good[COSIGN_SIGNATURE_ANNOTATION]!) },
      {
        ...good,
        [COSIGN_BUNDLE_ANNOTATION]: (() => {
          const bundle = JSON.parse(good[COSIGN_BUNDLE_ANNOTATION]!) as { SignedEntryTimestamp: string };
          return JSON.stringify({ ...bundle, SignedEntryTimestamp: flip(bundle.SignedEntryTimestamp) });
        })(),
      },
    ];
    for (const annotations of tampered) assert.equal(check(sigstore, annotations, trusted).verified, false);
    assert.equal(check(sigstore, good, trusted, Buffer.concat([payloadFor(SUBJECT), Buffer.from(' ')])).verified, false, 'the payload is what was signed');
  });

  test('a certificate without an SCT, or with one from an untrusted CT log, is refused', () => {
    const noSct = check(sigstore, sigstore.signCosign(payloadFor(SUBJECT), IDENTITY, { withoutSct: true }), trusted);
    assert.match(noSct.verified ? '' : noSct.reason, /SCT/);
    const rogueLog = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assert.equal(check(sigstore, sigstore.signCosign(payloadFor(SUBJECT), IDENTITY, { sctKey: rogueLog }), trusted).verified, false);
  });

  test('a signature without a log entry, or logged after its certificate expired, is refused', () => {
    const unlogged = check(sigstore, sigstore.signCosign(payloadFor(SUBJECT), IDENTITY, { withoutLogEntry: true }), trusted);
    assert.equal(unlogged.verified ? '' : unlogged.reason, 'the keyless signature has no transparency log entry to time it');
    const at = new Date(Date.now() - 3600_000);
    const late = check(sigstore, sigstore.signCosign(payloadFor(SUBJECT), IDENTITY, { at, loggedAt: new Date(at.getTime() + 20 * 60_000) }), trusted);
    assert.equal(late.verified, false);
  });

  test('a keyless signature stays valid after its ten-minute certificate expired, because Rekor timed it', () => {
    const at = new Date(Date.now() - 2 * 3600_000);
    assert.equal(check(sigstore, sigstore.signCosign(payloadFor(SUBJECT), IDENTITY, { at }), trusted).verified, true);
  });

  test('a certificate annotation that is not a certificate is refused, not thrown', () => {
    const good = sigstore.signCosign(payloadFor(SUBJECT), IDENTITY);
    const verdict = check(sigstore, { ...good, [COSIGN_CERTIFICATE_ANNOTATION]: 'not a certificate' }, trusted);
    assert.equal(verdict.verified ? '' : verdict.reason, 'the signing certificate is not a PEM X.509 certificate');
  });
});

describe('keyless sigstore bundles (cosign v3)', () => {
  const sigstore = new TestSigstore();
  const keyless = (rules: readonly KeylessRule[]) => ({
    keys: [],
    requireLogEntry: false,
    keyless: { roots: [{ name: 'test', material: readTrustedRoot(JSON.stringify(sigstore.trustedRoot())) }], rules },
  });
  const trusted = keyless([{ issuer: IDENTITY.issuer, subject: IDENTITY.subject }]);

  test('a bundle with a certificate, an inclusion proof and a statement about the image verifies', () => {
    const verdict = verifySigstoreBundle(sigstore.signBundle(SUBJECT, IDENTITY), SUBJECT, trusted);
    assert.equal(verdict.verified, true, verdict.verified ? '' : verdict.reason);
    assert.equal(verdict.signer, 'release@example.com (issuer https://accounts.example.com)');
  });

  test('a bundle about another image, of another predicate, by another identity or tampered is refused', () => {
    const other = verifySigstoreBundle(sigstore.signBundle(`sha256:${'cd'.repeat(32)}`, IDENTITY), SUBJECT, trusted);
    assert.equal(other.verified ? '' : other.reason, 'the statement is about another digest');
    const attestation = verifySigstoreBundle(sigstore.signBundle(SUBJECT, IDENTITY, { predicateType: 'https://slsa.dev/provenance/v1' }), SUBJECT, trusted);
    assert.equal(attestation.verified, false);
    assert.equal(verifySigstoreBundle(sigstore.signBundle(SUBJECT, { ...IDENTITY, subject: 'intern@example.com' }), SUBJECT, trusted).verified, false);
    const bundle = JSON.parse(sigstore.signBundle(SUBJECT, IDENTITY).toString()) as {
      dsseEnvelope: { signatures: Array<{ sig: string }> };
      verificationMaterial: { tlogEntries: Array<{ inclusionProof: { checkpoint: { envelope: string } } }> };
    };
    const badSignature = structuredClone(bundle);
    badSignature.dsseEnvelope.signatures[0]!.sig = flip(badSignature.dsseEnvelope.signatures[0]!.sig);
    assert.equal(verifySigstoreBundle(Buffer.from(JSON.stringify(badSignature)), SUBJECT, trusted).verified, false);
    const badCheckpoint = structuredClone(bundle);
    const proof = badCheckpoint.verificationMaterial.tlogEntries[0]!.inclusionProof.checkpoint;
    proof.envelope = proof.envelope.replace(/ (\S+)\n$/, (_all, sig: string) => ` ${flip(sig)}\n`);
    assert.equal(verifySigstoreBundle(Buffer.from(JSON.stringify(badCheckpoint)), SUBJECT, trusted).verified, false);
    assert.equal(verifySigstoreBundle(Buffer.from('{"dsseEnvelope":'), SUBJECT, trusted).verified, false);
  });
});
