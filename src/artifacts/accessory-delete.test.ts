import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { pushImageWithHistory, pushReferrer } from './fixtures.suite.js';

const size = (manifest: object) => Buffer.byteLength(JSON.stringify(manifest));

interface Family {
  image: string;
  signature: string;
  sbom: string;
  /** A signature of the SBOM: an accessory of an accessory. */
  sbomSignature: string;
}

for (const dialect of testDialects()) {
  describe(`deleting an artifact deletes its accessories (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let labelId: number;

    /** An image with a signature and an SBOM, and a signature of the SBOM, in `library/<repository>`. */
    async function pushFamily(repository: string, tag: string): Promise<Family> {
      const name = `library/${repository}`;
      // The same content in every repository, so that digests (and subjects) repeat across them.
      const pushed = await client.pushImage(name, tag, Buffer.from('the layer of every family'));
      const image = { digest: pushed.digest, size: size(pushed.manifest) };
      const signature = await pushReferrer(client, name, image, 'cosign');
      const sbom = await pushReferrer(client, name, image, 'sbom');
      const sbomSignature = await pushReferrer(client, name, { digest: sbom.digest, size: size(sbom.manifest) }, 'cosign');
      return { image: image.digest, signature: signature.digest, sbom: sbom.digest, sbomSignature: sbomSignature.digest };
    }

    const manifestStatus = async (repository: string, digest: string) => (await client.request('GET', `/v2/library/${repository}/manifests/${digest}`)).status;
    const deletedDigests = async (repository: string) =>
      (
        await server.database.db
          .selectFrom('events')
          .select('digest')
          .where('type', '=', 'DELETE_ARTIFACT')
          .where('repository', '=', `library/${repository}`)
          .execute()
      )
        .map((e) => e.digest)
        .sort();

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      const label = await expectJson<{ id: number }>(await api(server.url, 'POST', '/labels', { body: { name: 'signed', scope: 'g', color: '#00ff00' } }), 201);
      labelId = label.id;
    });
    after(() => server.close());

    it('through the API: signatures, SBOMs and their own accessories go, with their labels and an event each', async () => {
      const family = await pushFamily('api-delete', 'v1');
      const other = await pushImageWithHistory(client, 'library/api-delete', 'v2', 'arm64');
      const otherSignature = (await pushReferrer(client, 'library/api-delete', other, 'cosign')).digest;
      // The same image and signature in another repository are not touched.
      const elsewhere = await pushFamily('api-elsewhere', 'v1');
      assert.equal(elsewhere.image, family.image);
      await expectJson(
        await api(server.url, 'POST', `/projects/library/repositories/api-delete/artifacts/${family.signature}/labels`, { body: { id: labelId } }),
        200,
      );

      assert.equal((await api(server.url, 'DELETE', '/projects/library/repositories/api-delete/artifacts/v1')).status, 200);
      for (const digest of Object.values(family)) {
        assert.equal((await api(server.url, 'GET', `/projects/library/repositories/api-delete/artifacts/${digest}`)).status, 404, digest);
        assert.equal(await manifestStatus('api-delete', digest), 404, digest);
        assert.equal(await manifestStatus('api-elsewhere', digest), 200, digest);
      }
      assert.equal(await manifestStatus('api-delete', other.digest), 200);
      assert.equal(await manifestStatus('api-delete', otherSignature), 200);
      assert.deepEqual(await deletedDigests('api-delete'), Object.values(family).sort());
      assert.deepEqual(await deletedDigests('api-elsewhere'), []);
      const labels = await server.database.db.selectFrom('artifact_labels').selectAll().where('label_id', '=', labelId).execute();
      assert.deepEqual(labels, []);
    });

    it('over /v2/ by digest, the same way', async () => {
      const family = await pushFamily('registry-delete', 'v1');
      await expectJson(
        await api(server.url, 'POST', `/projects/library/repositories/registry-delete/artifacts/${family.sbomSignature}/labels`, { body: { id: labelId } }),
        200,
      );
      assert.equal((await client.request('DELETE', `/v2/library/registry-delete/manifests/${family.image}`)).status, 202);
      for (const digest of Object.values(family)) assert.equal(await manifestStatus('registry-delete', digest), 404, digest);
      assert.deepEqual(await deletedDigests('registry-delete'), Object.values(family).sort());
      const labels = await server.database.db.selectFrom('artifact_labels').selectAll().where('label_id', '=', labelId).execute();
      assert.deepEqual(labels, []);
    });

    it('refuses, deleting nothing, when an accessory carries an immutable tag', async () => {
      const family = await pushFamily('locked', 'v1');
      // The signatures are tagged sha256-<hex>.cosign; protect those of this repository.
      await expectJson(
        await api(server.url, 'POST', '/projects/library/immutabletagrules', {
          body: {
            disabled: false,
            action: 'immutable',
            template: 'immutable_template',
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '*.cosign' }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: 'locked' }] },
          },
        }),
        201,
      );
      const refused = await api(server.url, 'DELETE', '/projects/library/repositories/locked/artifacts/v1');
      assert.equal(refused.status, 412);
      assert.match(await refused.text(), /immutable/);
      assert.equal((await client.request('DELETE', `/v2/library/locked/manifests/${family.image}`)).status, 403);
      for (const digest of Object.values(family)) assert.equal(await manifestStatus('locked', digest), 200, digest);
      assert.deepEqual(await deletedDigests('locked'), []);
    });
  });
}
