/**
 * Signature verification on real third-party vectors (fixtures/README.md says where each comes
 * from), and on a tampered copy of each, which must fail.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encode } from 'cbor2';
import { fileURLToPath } from 'node:url';
import { COSIGN_BUNDLE_ANNOTATION, COSIGN_SIGNATURE_ANNOTATION, verifyCosignSignature } from './cosign.js';
import { parseEnvelope, verifyDsse } from './dsse.js';
import { publicKeyFromPem } from './keys.js';
import { loadVerifyLibraries } from './libraries.js';
import { verifyRekorBundle } from './rekor.js';
import { identityMatches, verifyNotationJws, type NotationTrust } from './notation.js';
import { verifyNotationCose } from './notation-cose.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
const read = (path: string): Buffer => readFileSync(join(FIXTURES, path));
const sha256 = (data: Uint8Array): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A copy with one byte changed, as a tampered download would be. */
function flipped(data: Buffer, at = Math.floor(data.length / 2)): Buffer {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

// The verifiers are synchronous and read the libraries loaded here.
await loadVerifyLibraries();

describe('cosign key-based signatures', () => {
  for (const folder of ['cosign-containers-image', 'cosign-key-rekor-containers-image']) {
    const payload = read(`${folder}/payload.json`);
    const signature = read(`${folder}/signature.b64`).toString().trim();
    const key = publicKeyFromPem(read(`${folder}/cosign.pub`).toString());
    const subjectDigest = sha256(read(`${folder}/manifest.json`));
    const annotations = { [COSIGN_SIGNATURE_ANNOTATION]: signature };

    it(`${folder}: verifies with its key and names the key as signer`, () => {
      const verdict = verifyCosignSignature({ payload, annotations, subjectDigest }, { keys: [key], logKeys: [] });
      assert.deepEqual(verdict, { verified: true, signer: key.fingerprint });
    });

    it(`${folder}: a flipped payload byte, another digest or another key fails`, () => {
      const tampered = verifyCosignSignature({ payload: flipped(payload), annotations, subjectDigest }, { keys: [key], logKeys: [] });
      assert.equal(tampered.verified, false);
      const other = verifyCosignSignature({ payload, annotations, subjectDigest: sha256(Buffer.from('other')) }, { keys: [key], logKeys: [] });
      assert.deepEqual(other, { verified: false, reason: 'the signature is for another image digest' });
      const otherKey = publicKeyFromPem(read('cosign-dsse-attestation/cosign.pub').toString());
      assert.deepEqual(verifyCosignSignature({ payload, annotations, subjectDigest }, { keys: [otherKey], logKeys: [] }), {
        verified: false,
        reason: 'no trusted key made this signature',
      });
    });
  }

  it('checks the Rekor bundle: the log key signed the entry, and the entry logs this signature', () => {
    const folder = 'cosign-key-rekor-containers-image';
    const payload = read(`${folder}/payload.json`);
    const key = publicKeyFromPem(read(`${folder}/cosign.pub`).toString());
    const rekor = publicKeyFromPem(read(`${folder}/rekor.pub`).toString());
    const subjectDigest = sha256(read(`${folder}/manifest.json`));
    const bundle = read(`${folder}/rekor-bundle.json`).toString();
    const annotations = { [COSIGN_SIGNATURE_ANNOTATION]: read(`${folder}/signature.b64`).toString().trim(), [COSIGN_BUNDLE_ANNOTATION]: bundle };
    const trust = { keys: [key], logKeys: [rekor], requireLogEntry: true };

    const good = verifyCosignSignature({ payload, annotations, subjectDigest }, trust);
    assert.equal(good.verified, true, JSON.stringify(good));
    assert.match(good.verified ? (good.details?.[0] ?? '') : '', /in the transparency log at index 11608800, 2023-01-20T/);

    const parsed = JSON.parse(bundle) as { SignedEntryTimestamp: string; Payload: { integratedTime: number } };
    const forgedTime = JSON.stringify({ ...parsed, Payload: { ...parsed.Payload, integratedTime: parsed.Payload.integratedTime + 1 } });
    const forged = verifyCosignSignature({ payload, annotations: { ...annotations, [COSIGN_BUNDLE_ANNOTATION]: forgedTime }, subjectDigest }, trust);
    assert.deepEqual(forged, { verified: false, reason: "the transparency log's signed entry timestamp does not verify", signer: key.fingerprint });
    const untrustedLog = verifyCosignSignature({ payload, annotations, subjectDigest }, { ...trust, logKeys: [key] });
    assert.equal(untrustedLog.verified, false);
    assert.match(untrustedLog.verified ? '' : untrustedLog.reason, /the transparency log c0d23d6ad406… is not trusted/);
    const withoutBundle = verifyCosignSignature(
      { payload, annotations: { [COSIGN_SIGNATURE_ANNOTATION]: annotations[COSIGN_SIGNATURE_ANNOTATION]! }, subjectDigest },
      trust,
    );
    assert.deepEqual(withoutBundle, { verified: false, reason: 'the signature has no transparency log entry', signer: key.fingerprint });
  });

  it("Harbor's OCI 1.1 example: its Rekor entry is signed by the public-good log and logs the layer's payload digest", () => {
    const { manifest } = JSON.parse(read('harbor-examples/cosign-oci11-subject-signature-manifest.json').toString()) as {
      manifest: { layers: Array<{ digest: string; annotations: Record<string, string> }> };
    };
    const layer = manifest.layers[0]!;
    const rekor = publicKeyFromPem(read('cosign-key-rekor-containers-image/rekor.pub').toString());
    const signature = Buffer.from(layer.annotations[COSIGN_SIGNATURE_ANNOTATION]!, 'base64');
    const bundle = layer.annotations[COSIGN_BUNDLE_ANNOTATION]!;
    // The example leaves the payload out; its digest is the layer's, so a payload of that digest is
    // all the entry can be checked against: the wrong payload is refused for exactly that reason.
    const logged = verifyRekorBundle(bundle, [rekor], Buffer.from('not the payload'), signature);
    assert.deepEqual(logged, { reason: 'the transparency log entry is for another payload' });
    const entry = JSON.parse(Buffer.from((JSON.parse(bundle) as { Payload: { body: string } }).Payload.body, 'base64').toString()) as {
      spec: { data: { hash: { value: string } } };
    };
    assert.equal(`sha256:${entry.spec.data.hash.value}`, layer.digest);
    assert.deepEqual(verifyRekorBundle(flipped(Buffer.from(bundle), bundle.indexOf('SignedEntryTimestamp') + 30).toString(), [rekor], Buffer.from(''), signature), {
      reason: "the transparency log's signed entry timestamp does not verify",
    });
  });
});

describe('DSSE attestations', () => {
  const envelopeBytes = read('cosign-dsse-attestation/dsse-envelope.json');
  const key = publicKeyFromPem(read('cosign-dsse-attestation/cosign.pub').toString());
  const subjectDigest = sha256(read('cosign-dsse-attestation/blob.txt'));

  it('verifies the in-toto statement over the PAE with its key, for the blob it names', () => {
    const envelope = parseEnvelope(envelopeBytes);
    assert.ok(envelope);
    const verdict = verifyDsse(envelope, subjectDigest, [key]);
    assert.deepEqual(verdict, { verified: true, signer: key.fingerprint, details: ['in-toto https://slsa.dev/provenance/v0.2'] });
  });

  it('fails on a tampered statement, another subject, or a predicate other than the one asked for', () => {
    const envelope = parseEnvelope(envelopeBytes)!;
    const body = Buffer.from(envelope.payload, 'base64');
    assert.equal(verifyDsse({ ...envelope, payload: flipped(body).toString('base64') }, subjectDigest, [key]).verified, false);
    assert.equal(verifyDsse(envelope, sha256(Buffer.from('else')), [key]).verified, false);
    assert.deepEqual(verifyDsse(envelope, subjectDigest, [key], 'https://sigstore.dev/cosign/sign/v1'), {
      verified: false,
      reason: "the statement's predicate is https://slsa.dev/provenance/v0.2, not https://sigstore.dev/cosign/sign/v1",
      signer: key.fingerprint,
    });
  });
});

describe('notation JWS signatures', () => {
  const anchor = new X509Certificate(read('notation-jws-truststore/trust-anchor.crt'));
  const strict: NotationTrust = { anchors: [anchor], trustedIdentities: ['*'], level: 'strict' };
  const now = new Date('2026-01-01T00:00:00Z');
  const target = (file: string) => {
    const envelope = JSON.parse(read(file).toString()) as { payload: string };
    return (JSON.parse(Buffer.from(envelope.payload, 'base64url').toString()) as { targetArtifact: { digest: string; size: number; mediaType: string } })
      .targetArtifact;
  };

  for (const file of ['notation-jws-truststore/signature.jws.json', 'notation-jws-truststore/signature-with-rfc3161-timestamp.jws.json']) {
    it(`${file}: verifies against its trust anchor, signer and signing time named`, () => {
      const verdict = verifyNotationJws(read(file), target(file), strict, now);
      assert.equal(verdict.verified, true, JSON.stringify(verdict));
      assert.equal(verdict.signer, 'C=US, ST=WA, L=Seattle, O=Notary, CN=alpine');
      assert.match(verdict.verified ? (verdict.details?.[0] ?? '') : '', /^signed 2024-06-18T/);
    });

    it(`${file}: one flipped byte of the signed payload or signature fails`, () => {
      const envelope = JSON.parse(read(file).toString()) as Record<string, unknown> & { payload: string; signature: string };
      const payload = flipped(Buffer.from(envelope.payload, 'base64url')).toString('base64url');
      assert.equal(verifyNotationJws(Buffer.from(JSON.stringify({ ...envelope, payload })), target(file), strict, now).verified, false);
      const signature = flipped(Buffer.from(envelope.signature, 'base64url')).toString('base64url');
      const tampered = verifyNotationJws(Buffer.from(JSON.stringify({ ...envelope, signature })), target(file), strict, now);
      assert.deepEqual(tampered, {
        verified: false,
        reason: 'the signature does not verify with its certificate',
        signer: 'C=US, ST=WA, L=Seattle, O=Notary, CN=alpine',
      });
    });
  }

  it('the registry vector signs the manifest beside it; its certificate is trusted only when pinned', () => {
    const file = 'notation-jws-registry/signature.jws.json';
    const manifest = read('notation-jws-registry/target-manifest.json');
    const subject = { digest: sha256(manifest), size: manifest.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
    const unknown = verifyNotationJws(read(file), subject, strict, now);
    assert.deepEqual(unknown, {
      verified: false,
      reason: 'the certificate chain does not end at a trusted certificate',
      signer: 'C=US, ST=WA, L=Seattle, O=Notary, CN=alpine',
    });
    const envelope = JSON.parse(read(file).toString()) as { header: { x5c: string[] } };
    const leaf = new X509Certificate(Buffer.from(envelope.header.x5c[0]!, 'base64'));
    assert.equal(verifyNotationJws(read(file), subject, { ...strict, anchors: [leaf] }, now).verified, true);
    assert.equal(verifyNotationJws(read(file), { ...subject, size: subject.size + 1 }, { ...strict, anchors: [leaf] }, now).verified, false);
    assert.equal(verifyNotationJws(read(file), { ...subject, digest: sha256(Buffer.from('x')) }, { ...strict, anchors: [leaf] }, now).verified, false);
  });

  it('trusted identities, audit level and certificate dates as notation applies them', () => {
    const file = 'notation-jws-truststore/signature.jws.json';
    const subject = target(file);
    const leaf = anchor;
    assert.equal(identityMatches(['x509.subject: CN=alpine, O=Notary'], leaf), true);
    assert.equal(identityMatches(['x509.subject: CN=alpine, O=Other'], leaf), false);
    assert.equal(verifyNotationJws(read(file), subject, { ...strict, trustedIdentities: ['x509.subject: C=US, O=Acme, CN=alpine'] }, now).verified, false);
    // After the certificate's end date: strict refuses, permissive lets it through with a note.
    const later = new Date('2040-01-01T00:00:00Z');
    assert.equal(verifyNotationJws(read(file), subject, strict, later).verified, false);
    const permissive = verifyNotationJws(read(file), subject, { ...strict, level: 'permissive' }, later);
    assert.equal(permissive.verified, true);
    assert.match(permissive.verified ? (permissive.details ?? []).join() : '', /is not valid now/);
    // Audit: an untrusted chain still passes, an altered signature never does.
    assert.equal(verifyNotationJws(read(file), subject, { ...strict, anchors: [], level: 'audit' }, now).verified, true);
  });

  it('refuses what is not a notation envelope', () => {
    const subject = { digest: sha256(Buffer.from('x')) };
    for (const bytes of [Buffer.from('not json'), Buffer.from('{}'), read('cosign-dsse-attestation/dsse-envelope.json')])
      assert.equal(verifyNotationJws(bytes, subject, strict, now).verified, false);
  });
});

describe('notation COSE signatures', () => {
  const envelope = read('notation-jws-registry/signature.cose');
  const manifest = read('notation-jws-registry/target-manifest.json');
  const subject = { digest: sha256(manifest), size: manifest.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
  const now = new Date('2026-01-01T00:00:00Z');

  it('verifies the COSE_Sign1 envelope with its pinned certificate, for the manifest beside it', () => {
    const unknown = verifyNotationCose(envelope, subject, { anchors: [], trustedIdentities: ['*'], level: 'strict' }, now);
    assert.deepEqual(unknown, {
      verified: false,
      reason: 'the certificate chain does not end at a trusted certificate',
      signer: 'C=US, ST=WA, L=Seattle, O=Notary, CN=alpine',
    });
    // The leaf is the envelope's only certificate: trusting it pins it.
    const audit = verifyNotationCose(envelope, subject, { anchors: [], trustedIdentities: ['*'], level: 'audit' }, now);
    assert.equal(audit.verified, true);
    const leafDer = envelope.subarray(envelope.indexOf(Buffer.from([0x30, 0x82])));
    const leaf = new X509Certificate(leafDer.subarray(0, 4 + leafDer.readUInt16BE(2)));
    const pinned = verifyNotationCose(envelope, subject, { anchors: [leaf], trustedIdentities: ['x509.subject: CN=alpine'], level: 'strict' }, now);
    assert.equal(pinned.verified, true, JSON.stringify(pinned));
    assert.match(pinned.verified ? (pinned.details?.[0] ?? '') : '', /^signed 2023-03-14T04:45:22/);
  });

  it('fails on a flipped byte of the signature, another digest, or what is not COSE', () => {
    const trust = { anchors: [], trustedIdentities: ['*'], level: 'audit' as const };
    assert.equal(verifyNotationCose(flipped(envelope, envelope.length - 10), subject, trust, now).verified, false);
    assert.equal(verifyNotationCose(envelope, { ...subject, digest: sha256(Buffer.from('x')) }, trust, now).verified, false);
    assert.deepEqual(verifyNotationCose(encode([1, 2]), subject, trust, now), { verified: false, reason: 'the signature envelope is not a COSE_Sign1 message' });
    assert.deepEqual(verifyNotationCose(Buffer.from('{}'), subject, trust, now), { verified: false, reason: 'the signature envelope is not CBOR' });
    assert.equal(verifyNotationCose(read('notation-jws-registry/signature.jws.json'), subject, trust, now).verified, false);
  });
});
