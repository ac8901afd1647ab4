/**
 * Notation signatures with RFC 3161 timestamps as a user meets them: a TSA root added as trust
 * material, the signature's verdict naming the timestamp, and, once the signing certificate has
 * expired, the timestamped signature still letting pulls through while the bare one no longer does.
 */
import assert from 'node:assert/strict';
import { createHash, type X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { hasOpenssl, Pki, signJws, SIGNING_EXTENSIONS, TSA_EXTENSIONS, type Signed } from './testing/notation-tsa.suite.js';

const DAY = 24 * 60 * 60 * 1000;
const pem = (cert: X509Certificate) => cert.toString();

/** Pushes a notation signature as `notation sign` does on an OCI 1.1 registry: the envelope as the one layer, the subject as referrer. */
async function pushNotationSignature(client: TestClient, repository: string, subject: { digest: string; size: number }, envelope: Buffer): Promise<string> {
  const empty = Buffer.from('{}');
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.cncf.notary.signature',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: await client.pushBlob(repository, empty), size: empty.length },
    layers: [{ mediaType: 'application/jose+json', digest: await client.pushBlob(repository, envelope), size: envelope.length }],
    subject: { mediaType: OCI_MANIFEST, ...subject },
    annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '[]' },
  };
  const digest = `sha256:${createHash('sha256').update(JSON.stringify(manifest)).digest('hex')}`;
  return (await client.pushManifest(repository, digest, manifest)).digest;
}

for (const dialect of testDialects()) {
  describe(
    `notation timestamps through the API (${dialect.name})`,
    { skip: hasOpenssl ? false : 'openssl is not installed: no timestamp authority to test with' },
    () => {
      let server: TestServer;
      let admin: TestClient;
      let pki: Pki;
      let offset = 0;
      const clock = { now: () => Date.now() + offset };
      const call = (method: string, path: string, body?: unknown) => api(server.url, method, path, body === undefined ? {} : { body });
      type Verdict = { type: string; verified: boolean; signer: string; details?: string[]; reason?: string };
      const verdicts = async (reference: string) =>
        expectJson<Verdict[]>(await call('GET', `/projects/stamped/repositories/app/artifacts/${reference}/signatures`), 200);
      // A new client each time: its registry token is issued at the server's (moved) time.
      const pull = (reference: string) => new TestClient(server.url).request('GET', `/v2/stamped/app/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });

      before(async () => {
        pki = new Pki();
        server = await startTestServer(dialect, {}, clock);
        admin = new TestClient(server.url);
        await expectJson(
          await call('POST', '/projects', { project_name: 'stamped', metadata: { enable_content_trust: 'true', require_verified_signature: 'true' } }),
          201,
        );
      });
      after(async () => {
        await server?.close();
        pki?.close();
      });

      it('a TSA root makes the timestamp count: shown now, and carrying the signature past its certificate', async () => {
        const tsaRoot = pki.root('tsa-root', '/O=Berth Tests/CN=Test TSA Root');
        pki.issue('tsa', 'tsa-root', '/O=Berth Tests/CN=Test TSA', 365, TSA_EXTENSIONS);
        const signingRoot = pki.root('signing-root', '/O=Berth Tests/CN=Signing Root');
        const leaf = pki.issue('signer', 'signing-root', '/O=Berth Tests/CN=release', 30, SIGNING_EXTENSIONS);

        const sign = async (tag: string, stamped: boolean): Promise<Signed> => {
          const { digest, manifest } = await admin.pushImage('stamped/app', tag, Buffer.from(`layer ${tag}`));
          const target = { digest, size: Buffer.byteLength(JSON.stringify(manifest)), mediaType: OCI_MANIFEST };
          const signed = signJws(leaf.key, [leaf.cert, signingRoot], 'notary.x509', new Date(), target);
          await pushNotationSignature(admin, 'stamped/app', target, signed.envelope(stamped ? pki.stamp(signed.signature, 'tsa', 'tsa-root') : undefined));
          return signed;
        };
        await sign('stamped', true);
        await sign('bare', false);

        await expectJson(await call('POST', '/projects/stamped/trust/material', { kind: 'notation-root', name: 'signing root', pem: pem(signingRoot) }), 201);
        // Without a TSA root the timestamp is not looked at; the certificate is valid, so both verify.
        for (const tag of ['stamped', 'bare']) {
          const [verdict] = await verdicts(tag);
          assert.equal(verdict?.verified, true, JSON.stringify(verdict));
          assert.ok(!verdict?.details?.some((d) => d.startsWith('timestamped by')), JSON.stringify(verdict));
        }

        const tsa = await expectJson<{ kind: string }>(
          await call('POST', '/system/trust/material', { kind: 'notation-tsa-root', name: 'test TSA', pem: pem(tsaRoot) }),
          201,
        );
        assert.equal(tsa.kind, 'notation-tsa-root');
        const [stamped] = await verdicts('stamped');
        assert.equal(stamped?.signer, 'O=Berth Tests, CN=release');
        assert.match(
          stamped?.details?.find((d) => d.startsWith('timestamped by')) ?? '',
          /^timestamped by O=Berth Tests, CN=Test TSA at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
        );

        // The bare one verifies while its certificate is valid; that stored verdict is due again at the certificate's end.
        assert.equal((await verdicts('bare'))[0]?.verified, true);

        // A year after the signing certificate ended: the timestamp carries one signature, the other is refused.
        offset = new Date(leaf.cert.validTo).getTime() - Date.now() + 365 * DAY;
        const [later] = await verdicts('stamped');
        assert.equal(later?.verified, true, JSON.stringify(later));
        assert.equal((await pull('stamped')).status, 200);
        const [bare] = await verdicts('bare');
        assert.equal(bare?.verified, false);
        assert.match(bare?.reason ?? '', /^the certificate O=Berth Tests, CN=release expired \S+ and the signature has no timestamp$/);
        assert.equal((await pull('bare')).status, 412);

        // verifyTimestamp: always (before the end date too) refuses the bare one with its reason.
        offset = 0;
        assert.equal((await call('PUT', '/projects/stamped/trust/policy', { notation_verify_timestamp: 'always' })).status, 200);
        const [always] = await verdicts('bare');
        assert.deepEqual([always?.verified, always?.reason], [false, 'the signature has no timestamp, which the trust policy requires']);
        assert.equal((await verdicts('stamped'))[0]?.verified, true);
      });
    },
  );
}
