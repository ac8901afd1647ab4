/**
 * Content trust as a user meets it: Harbor's cosign policy refuses unsigned pulls with Harbor's
 * message, a cosign signature lets them through, signers and scanners pass, and Berth's
 * "verified signature required" asks the signature to verify against the project's keys,
 * checked again when the keys change.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic, OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { pushCosignSignature } from './testing/cosign-signature.suite.js';
import { TestSigstore } from './testing/sigstore.suite.js';

const PASSWORD = 'Passw0rd-trust';
type ErrorBody = { errors: Array<{ code: string; message: string }> };

function keyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

for (const dialect of testDialects()) {
  describe(`content trust (${dialect.name})`, () => {
    let server: TestServer;
    let admin: TestClient;
    const call = (method: string, path: string, body?: unknown, authorization?: string) =>
      api(server.url, method, path, { ...(body === undefined ? {} : { body }), ...(authorization ? { authorization } : {}) });
    const pull = (client: TestClient, repository: string, reference: string, userAgent?: string) =>
      client.request('GET', `/v2/${repository}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST, ...(userAgent ? { 'user-agent': userAgent } : {}) } });
    async function refusal(res: Response): Promise<string> {
      const body = (await res.json()) as ErrorBody;
      assert.equal(res.status, 412);
      assert.equal(body.errors[0]?.code, 'PROJECTPOLICYVIOLATION');
      return body.errors[0]?.message ?? '';
    }

    before(async () => {
      server = await startTestServer(dialect);
      admin = new TestClient(server.url);
      await expectJson(await call('POST', '/projects', { project_name: 'trusted', metadata: { enable_content_trust_cosign: 'true' } }), 201);
      for (const [name, role] of [
        ['dev', 2],
        ['guest', 3],
      ] as const) {
        await expectJson(await call('POST', '/users', { username: name, email: `${name}@example.com`, realname: name, password: PASSWORD }), 201);
        await expectJson(await call('POST', '/projects/trusted/members', { role_id: role, member_user: { username: name } }), 201);
      }
    });
    after(() => server.close());

    it('refuses an unsigned image with Harbor’s message, and lets a signer about to sign through', async () => {
      await admin.pushImage('trusted/unsigned', 'v1');
      assert.equal(await refusal(await pull(admin, 'trusted/unsigned', 'v1')), 'The image is not signed by cosign.');
      // The refusal is in the project's audit log as a failed pull.
      const logs = await expectJson<Array<{ operation: string; resource: string; success: boolean; username: string }>>(
        await call('GET', '/projects/trusted/logs'),
        200,
      );
      assert.ok(
        logs.some((l) => l.operation === 'pull' && !l.success && l.username === 'admin' && /^trusted\/unsigned@sha256:/.test(l.resource)),
        JSON.stringify(logs),
      );
      // cosign pulls before it signs: with push rights its pull passes; without them it does not.
      assert.equal((await pull(new TestClient(server.url, basic('dev', PASSWORD)), 'trusted/unsigned', 'v1', 'cosign/v2.4.1 (linux; amd64)')).status, 200);
      assert.equal(
        await refusal(await pull(new TestClient(server.url, basic('guest', PASSWORD)), 'trusted/unsigned', 'v1', 'cosign/v2.4.1')),
        'The image is not signed by cosign.',
      );
      // Turning the policy off lets everybody pull.
      await expectJson(await call('PUT', '/projects/trusted', { metadata: { enable_content_trust_cosign: 'false' } }), 200);
      assert.equal((await pull(admin, 'trusted/unsigned', 'v1')).status, 200);
      await expectJson(await call('PUT', '/projects/trusted', { metadata: { enable_content_trust_cosign: 'true' } }), 200);
    });

    it('applies a policy switched through the metadata API to the very next pull, both ways', async () => {
      await expectJson(await call('POST', '/projects', { project_name: 'switched' }), 201);
      await admin.pushImage('switched/app', 'v1');
      // Pulls before the change: the project's pull metadata is read and reused for a moment.
      assert.equal((await pull(admin, 'switched/app', 'v1')).status, 200);
      assert.equal((await pull(admin, 'switched/app', 'v1')).status, 200);
      await expectJson(await call('POST', '/projects/switched/metadatas/', { enable_content_trust_cosign: 'true' }), 200);
      assert.equal(await refusal(await pull(admin, 'switched/app', 'v1')), 'The image is not signed by cosign.');
      await expectJson(await call('DELETE', '/projects/switched/metadatas/enable_content_trust_cosign'), 200);
      assert.equal((await pull(admin, 'switched/app', 'v1')).status, 200);
    });

    it('lets a cosign-signed image through, and its signature itself', async () => {
      const { digest } = await admin.pushImage('trusted/signed', 'v1');
      const signature = await pushCosignSignature(admin, 'trusted/signed', digest, { privateKey: keyPair().privateKey });
      assert.equal((await pull(admin, 'trusted/signed', 'v1')).status, 200);
      assert.equal((await pull(admin, 'trusted/signed', digest)).status, 200);
      assert.equal((await pull(admin, 'trusted/signed', signature)).status, 200);
    });

    it('with a verified signature required, only a signature by a trusted key counts, checked again when the keys change', async () => {
      const trusted = keyPair();
      const stranger = keyPair();
      const good = await admin.pushImage('trusted/verified', 'good', Buffer.from('good layer'));
      const bad = await admin.pushImage('trusted/verified', 'bad', Buffer.from('bad layer'));
      await pushCosignSignature(admin, 'trusted/verified', good.digest, { privateKey: trusted.privateKey });
      await pushCosignSignature(admin, 'trusted/verified', bad.digest, { privateKey: stranger.privateKey });
      await expectJson(await call('PUT', '/projects/trusted', { metadata: { require_verified_signature: 'true' } }), 200);

      const noKeys = "The image has no cosign signature that verifies against the project's trusted keys.";
      assert.equal(await refusal(await pull(admin, 'trusted/verified', 'good')), noKeys);
      const added = await expectJson<{ id: number; fingerprint: string }>(
        await call('POST', '/projects/trusted/trust/material', { kind: 'cosign-key', name: 'release key', pem: trusted.publicPem }),
        201,
      );
      assert.equal((await pull(admin, 'trusted/verified', 'good')).status, 200);
      assert.equal(await refusal(await pull(admin, 'trusted/verified', 'bad')), noKeys);

      const verdicts = await expectJson<Array<{ type: string; verified: boolean; signer: string; reason?: string }>>(
        await call('GET', '/projects/trusted/repositories/verified/artifacts/bad/signatures'),
        200,
      );
      assert.deepEqual(verdicts, [{ ...verdicts[0], type: 'signature.cosign', verified: false, signer: '', reason: 'no trusted key made this signature' }]);
      const goodVerdicts = await expectJson<Array<{ verified: boolean; signer: string }>>(
        await call('GET', '/projects/trusted/repositories/verified/artifacts/good/signatures'),
        200,
      );
      assert.deepEqual(
        goodVerdicts.map((v) => [v.verified, v.signer]),
        [[true, added.fingerprint]],
      );

      // The key removed, the same signature no longer counts.
      assert.equal((await call('DELETE', `/projects/trusted/trust/material/${added.id}`)).status, 200);
      assert.equal(await refusal(await pull(admin, 'trusted/verified', 'good')), noKeys);
      // A system-wide key counts in every project.
      await expectJson(await call('POST', '/system/trust/material', { kind: 'cosign-key', name: 'company key', pem: trusted.publicPem }), 201);
      assert.equal((await pull(admin, 'trusted/verified', 'good')).status, 200);
      await expectJson(await call('PUT', '/projects/trusted', { metadata: { require_verified_signature: 'false' } }), 200);
    });

    it('keeps trust material to those who may configure the project, and refuses what is not a key', async () => {
      const dev = basic('dev', PASSWORD);
      const { publicPem } = keyPair();
      const denied = (
        await expectJson<ErrorBody>(await call('POST', '/projects/trusted/trust/material', { kind: 'cosign-key', name: 'x', pem: publicPem }, dev), 403)
      ).errors[0];
      assert.equal(denied?.code, 'FORBIDDEN');
      await expectJson(await call('POST', '/system/trust/material', { kind: 'cosign-key', name: 'x', pem: publicPem }, dev), 403);
      const notKey = await expectJson<ErrorBody>(await call('POST', '/projects/trusted/trust/material', { kind: 'cosign-key', name: 'x', pem: 'hello' }), 400);
      assert.match(notKey.errors[0]?.message ?? '', /not a supported public key/);
      await expectJson(await call('POST', '/projects/trusted/trust/material', { kind: 'notation-root', name: 'x', pem: publicPem }), 400);
      await expectJson(await call('POST', '/projects/trusted/trust/material', { kind: 'gpg', name: 'x', pem: publicPem }), 400);
      await expectJson(await call('POST', '/projects/trusted/trust/material', { kind: 'cosign-key', name: 'twice', pem: publicPem }), 201);
      await expectJson(await call('POST', '/projects/trusted/trust/material', { kind: 'cosign-key', name: 'twice', pem: publicPem }), 409);
      await expectJson(await call('PUT', '/projects/trusted/trust/policy', { notation_level: 'lenient' }), 400);
      // Without a policy of its own, the project follows the system's.
      assert.equal((await call('PUT', '/system/trust/policy', { notation_level: 'audit' })).status, 200);
      assert.equal((await expectJson<{ notation_level: string }>(await call('GET', '/projects/trusted/trust/policy'), 200)).notation_level, 'audit');
      assert.equal(
        (await call('PUT', '/projects/trusted/trust/policy', { notation_level: 'permissive', trusted_identities: ['x509.subject: CN=release'] })).status,
        200,
      );
      assert.deepEqual(await expectJson(await call('GET', '/projects/trusted/trust/policy', undefined, dev), 200), {
        notation_level: 'permissive',
        trusted_identities: ['x509.subject: CN=release'],
        require_log_entry: false,
        notation_verify_timestamp: 'afterCertExpiry',
        keyless_identities: [],
      });
      // Notation's timestamp check: when it applies is part of the policy, a TSA root is trust material.
      await expectJson(await call('PUT', '/projects/trusted/trust/policy', { notation_verify_timestamp: 'sometimes' }), 400);
      assert.equal((await call('PUT', '/projects/trusted/trust/policy', { notation_verify_timestamp: 'always' })).status, 200);
      const policy = await expectJson<{ notation_verify_timestamp: string; notation_level: string }>(await call('GET', '/projects/trusted/trust/policy'), 200);
      assert.deepEqual([policy.notation_verify_timestamp, policy.notation_level], ['always', 'permissive']);
      await expectJson(await call('POST', '/projects/trusted/trust/material', { kind: 'notation-tsa-root', name: 'tsa', pem: publicPem }), 400);
      const tsaRoot = readFileSync(new URL('./verify/fixtures/notation-jws-truststore/globalsign-tsa-root.crt', import.meta.url), 'utf8');
      const tsa = await expectJson<{ kind: string; fingerprint: string }>(
        await call('POST', '/system/trust/material', { kind: 'notation-tsa-root', name: 'GlobalSign R6', pem: tsaRoot }),
        201,
      );
      assert.equal(tsa.kind, 'notation-tsa-root');
      assert.match(tsa.fingerprint, /^sha256:[0-9a-f]{64}$/);
      const badPattern = await expectJson<ErrorBody>(
        await call('PUT', '/projects/trusted/trust/policy', { keyless_identities: [{ issuer: 'https://issuer.example.com', subject: 'a'.repeat(5000) }] }),
        400,
      );
      assert.match(badPattern.errors[0]?.message ?? '', /keyless_identities/);
      const notRoot = await expectJson<ErrorBody>(
        await call('POST', '/projects/trusted/trust/material', { kind: 'sigstore-root', name: 'x', pem: '{"tlogs":[]}' }),
        400,
      );
      assert.match(notRoot.errors[0]?.message ?? '', /trusted root/);
    });

    it('verifies keyless signatures against the Sigstore trusted root and the identities the policy names', async () => {
      const sigstore = new TestSigstore();
      const release = { subject: 'release@example.com', issuer: 'https://accounts.example.com' };
      await expectJson(
        await call('POST', '/projects', { project_name: 'keyless', metadata: { enable_content_trust_cosign: 'true', require_verified_signature: 'true' } }),
        201,
      );
      const good = await admin.pushImage('keyless/app', 'good', Buffer.from('keyless good'));
      const other = await admin.pushImage('keyless/app', 'other', Buffer.from('keyless other'));
      await pushCosignSignature(admin, 'keyless/app', good.digest, { annotate: (payload) => sigstore.signCosign(payload, release) });
      await pushCosignSignature(admin, 'keyless/app', other.digest, {
        annotate: (payload) => sigstore.signCosign(payload, { subject: 'intern@example.com', issuer: release.issuer }),
      });
      const message = "The image has no cosign signature that verifies against the project's trusted keys.";
      assert.equal(await refusal(await pull(admin, 'keyless/app', 'good')), message, 'no trusted root yet');
      await expectJson(
        await call('POST', '/projects/keyless/trust/material', {
          kind: 'sigstore-root',
          name: 'company sigstore',
          pem: JSON.stringify(sigstore.trustedRoot(), null, 2),
        }),
        201,
      );
      assert.equal(await refusal(await pull(admin, 'keyless/app', 'good')), message, 'a trusted root alone names no signer');
      assert.equal((await call('PUT', '/projects/keyless/trust/policy', { keyless_identities: [{ issuer: release.issuer, subject: 'release@*' }] })).status, 200);
      assert.equal((await pull(admin, 'keyless/app', 'good')).status, 200);
      assert.equal(await refusal(await pull(admin, 'keyless/app', 'other')), message);
      const verdicts = await expectJson<Array<{ verified: boolean; signer: string; reason?: string }>>(
        await call('GET', '/projects/keyless/repositories/app/artifacts/other/signatures'),
        200,
      );
      assert.deepEqual(
        verdicts.map((v) => [v.verified, v.signer, v.reason]),
        [[false, 'intern@example.com (issuer https://accounts.example.com)', 'the signing identity is not trusted by the trust policy']],
      );
    });
  });
}
