/**
 * Signatures pushed in cosign's tag scheme (`sha256-<hex>.sig`) become accessories of their
 * subject as in Harbor, in either push order: listed under the subject, not as artifacts of
 * their own, and deleted with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { OCI_MANIFEST, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { pushCosignSignature } from '../testing/cosign-signature.suite.js';

interface ArtifactJson {
  digest: string;
  type: string;
  tags?: Array<{ name: string }> | null;
  accessories?: Array<{ type: string; digest: string; subject_artifact_digest: string }>;
}

for (const dialect of testDialects()) {
  describe(`cosign tag-scheme signatures (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const list = (repository: string) =>
      api(server.url, 'GET', `/projects/library/repositories/${repository}/artifacts?with_accessory=true`).then((res) => expectJson<ArtifactJson[]>(res, 200));

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
    });
    after(() => server.close());

    it('attach to an existing subject: listed as its accessory, not as an artifact of their own', async () => {
      const subject = await client.pushImage('library/signed', 'v1');
      const signature = await pushCosignSignature(client, 'library/signed', subject.digest);
      const artifacts = await list('signed');
      assert.deepEqual(
        artifacts.map((a) => a.digest),
        [subject.digest],
      );
      assert.deepEqual(
        artifacts[0]!.accessories?.map((a) => [a.type, a.digest, a.subject_artifact_digest]),
        [['signature.cosign', signature, subject.digest]],
      );
      // cosign itself still finds the signature by its tag.
      const byTag = await client.request('HEAD', `/v2/library/signed/manifests/${subject.digest.replace(':', '-')}.sig`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(byTag.headers.get('docker-content-digest'), signature);
    });

    it('mark the tags of a signed artifact with with_signature=true, as Harbor’s Tag.signed', async () => {
      const signed = await client.pushImage('library/tagged', 'signed', Buffer.from('signed image'));
      await client.pushImage('library/tagged', 'plain', Buffer.from('plain image'));
      await pushCosignSignature(client, 'library/tagged', signed.digest);
      const withSignature = await expectJson<Array<{ tags: Array<{ name: string; signed?: boolean }> }>>(
        await api(server.url, 'GET', '/projects/library/repositories/tagged/artifacts?with_signature=true'),
        200,
      );
      assert.deepEqual(withSignature.flatMap((a) => a.tags.map((t) => [t.name, t.signed])).sort(), [
        ['plain', false],
        ['signed', true],
      ]);
      const without = await expectJson<Array<{ tags: Array<{ signed?: boolean }> }>>(
        await api(server.url, 'GET', '/projects/library/repositories/tagged/artifacts'),
        200,
      );
      assert.ok(without.every((a) => a.tags.every((t) => t.signed === undefined)));
    });

    it('pushed before their subject, attach when it arrives', async () => {
      // The same image content gives the same digest: learn it elsewhere, sign it here first.
      const layer = Buffer.from('the image signed before it is pushed');
      const { digest } = await client.pushImage('library/elsewhere', 'v1', layer);
      const signature = await pushCosignSignature(client, 'library/early', digest);
      assert.deepEqual(await list('early'), []);
      assert.equal((await client.pushImage('library/early', 'v1', layer)).digest, digest);
      const artifacts = await list('early');
      assert.deepEqual(
        artifacts.map((a) => [a.digest, a.accessories?.map((x) => x.digest)]),
        [[digest, [signature]]],
      );
    });

    it('go with their subject when it is deleted', async () => {
      const subject = await client.pushImage('library/gone', 'v1');
      const signature = await pushCosignSignature(client, 'library/gone', subject.digest);
      assert.equal((await api(server.url, 'DELETE', `/projects/library/repositories/gone/artifacts/${subject.digest}`)).status, 200);
      assert.equal((await api(server.url, 'GET', `/v2/library/gone/manifests/${signature}`)).status, 404);
    });

    it('a `.sig` tag without a simple-signing layer stays an ordinary artifact', async () => {
      const subject = await client.pushImage('library/plain', 'v1');
      await pushCosignSignature(client, 'library/plain', subject.digest, { layerType: 'application/vnd.oci.image.layer.v1.tar' });
      assert.equal((await list('plain')).length, 2);
    });
  });
}
