import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor, checkHarbor } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { HARBOR_SBOM } from '../content/index.js';
import { up as upgradeAccessoryTypes } from '../platform/db/migrations/0013_harbor_accessory_types.js';
import { pushImageWithHistory, pushIndex, pushReferrer } from './fixtures.suite.js';

interface ArtifactJson {
  id: number;
  digest: string;
  references: Array<{ child_id: number; child_digest: string }>;
  accessories?: Array<{ type: string; digest: string; subject_artifact_id: number }>;
}

const NAME = 'library/toplevel';
const REPO = '/projects/library/repositories/toplevel';

/** Harbor sends extra_attrs values as strings and a reference's urls as null, unlike its swagger. */
function assertLikeHarborArtifacts(value: unknown): void {
  const { errors } = checkHarbor('Artifact', value, { array: true });
  assert.deepEqual(
    errors.filter((e) => !/\.extra_attrs\.\w+: expected object/.test(e) && !/\.urls: expected array, got null/.test(e)),
    [],
  );
}

for (const dialect of testDialects()) {
  describe(`artifact listings show what Harbor shows (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let index: string;
    let untaggedChild: string;
    let taggedChild: string;
    let signature: string;
    let sbom: string;
    let standalone: string;
    let standaloneSize: number;
    const list = async (query: string) => {
      const res = await api(server.url, 'GET', `${REPO}/artifacts?page_size=100&${query}`);
      const page = await expectJson<ArtifactJson[]>(res, 200);
      return { total: Number(res.headers.get('x-total-count')), page };
    };

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      // Children as buildx pushes them: by digest, no tag; one of them also tagged on its own.
      const amd = await pushImageWithHistory(client, NAME, 'tmp-amd', 'amd64');
      const arm = await pushImageWithHistory(client, NAME, 'arm-only', 'arm64');
      await client.request('DELETE', `/v2/${NAME}/manifests/tmp-amd`);
      untaggedChild = amd.digest;
      taggedChild = arm.digest;
      index = (
        await pushIndex(client, NAME, 'multi', [
          { ...amd, architecture: 'amd64' },
          { ...arm, architecture: 'arm64' },
        ])
      ).digest;
      // Accessories of the index: a cosign signature (tagged, as cosign tags it) and an SBOM.
      const indexSize = Buffer.byteLength(JSON.stringify((await (await client.request('GET', `/v2/${NAME}/manifests/multi`)).json()) as object));
      signature = (await pushReferrer(client, NAME, { digest: index, size: indexSize }, 'cosign')).digest;
      sbom = (await pushReferrer(client, NAME, { digest: index, size: indexSize }, 'sbom')).digest;
      const pushed = await client.pushImage(NAME, 'standalone');
      standalone = pushed.digest;
      standaloneSize = Buffer.byteLength(JSON.stringify(pushed.manifest));
    });
    after(() => server.close());

    it('artifact lists leave out index children and accessories: they appear under references and accessories', async () => {
      const { total, page } = await list('with_accessory=true');
      // A child with a tag of its own is listed, as in Harbor (tagged, or referenced by no index).
      assert.deepEqual(page.map((a) => a.digest).sort(), [index, taggedChild, standalone].sort());
      assert.equal(total, 3);
      assertLikeHarborArtifacts(page);
      const shown = page.find((a) => a.digest === index)!;
      assert.deepEqual(shown.references.map((r) => r.child_digest).sort(), [untaggedChild, taggedChild].sort());
      assert.ok(
        shown.references.every((r) => r.child_id > 0),
        'the children are artifacts, found by id',
      );
      assert.deepEqual(shown.accessories?.map((a) => a.digest).sort(), [signature, sbom].sort());
      // Filters and the project's listing keep to the same rows.
      assert.equal((await list('q=tags%3Dnil')).total, 0);
      const project = await api(server.url, 'GET', '/projects/library/artifacts?page_size=100');
      const projectPage = await expectJson<ArtifactJson[]>(project, 200);
      assert.deepEqual(projectPage.map((a) => a.digest).sort(), [index, taggedChild, standalone].sort());
    });

    it('q=base=* lists every artifact, as in Harbor', async () => {
      const { total, page } = await list('q=base%3D*');
      assert.deepEqual(page.map((a) => a.digest).sort(), [index, untaggedChild, taggedChild, signature, sbom, standalone].sort());
      assert.equal(total, 6);
      assertLikeHarborArtifacts(page);
      assert.equal((await list('q=base%3D*,tags%3Dnil')).total, 1, 'the untagged child');
      const bad = await api(server.url, 'GET', `${REPO}/artifacts?q=base%3Dall`);
      assert.equal(bad.status, 400);
    });

    it("repositories' artifact_count counts top-level artifacts", async () => {
      const one = await expectJson<{ artifact_count: number }>(await api(server.url, 'GET', REPO), 200);
      assertMatchesHarbor('Repository', one);
      assert.equal(one.artifact_count, 3);
      const listed = await expectJson<Array<{ name: string; artifact_count: number }>>(
        await api(server.url, 'GET', '/projects/library/repositories?q=name%3Dlibrary/toplevel'),
        200,
      );
      assertMatchesHarbor('Repository', listed, { array: true });
      assert.deepEqual(
        listed.map((r) => [r.name, r.artifact_count]),
        [[NAME, 3]],
      );
    });

    it('accessory types are subject.accessory and signature.cosign, as Harbor names them', async () => {
      const res = await api(server.url, 'GET', `${REPO}/artifacts/multi/accessories`);
      const accessories = await expectJson<Array<{ type: string; digest: string }>>(res, 200);
      assertMatchesHarbor('Accessory', accessories, { array: true });
      const types = new Map(accessories.map((a) => [a.digest, a.type]));
      assert.equal(types.get(signature), 'signature.cosign');
      // A user's SPDX referrer is generic in Harbor: only Harbor's own SBOM is sbom.harbor.
      assert.equal(types.get(sbom), 'subject.accessory');
      const harborSbom = await client.pushArtifact(NAME, 'harbor-sbom', {
        artifactType: HARBOR_SBOM,
        config: { data: Buffer.from('{}'), mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ data: Buffer.from('{"spdxVersion":"SPDX-2.3"}'), mediaType: 'application/spdx+json' }],
        subject: { digest: standalone, size: standaloneSize },
      });
      const ofStandalone = await expectJson<Array<{ type: string; digest: string }>>(await api(server.url, 'GET', `${REPO}/artifacts/standalone/accessories`), 200);
      assert.deepEqual(
        ofStandalone.map((a) => [a.digest, a.type]),
        [[harborSbom.digest, 'sbom.harbor']],
      );
    });

    it("rows stored with the former accessory types read with Harbor's names after the upgrade", async () => {
      const db = server.database.db;
      await db.updateTable('artifacts').set({ accessory_type: 'sbom' }).where('digest', 'in', [sbom]).execute();
      await db.updateTable('artifacts').set({ accessory_type: 'subject' }).where('artifact_type', '=', HARBOR_SBOM).execute();
      await upgradeAccessoryTypes(db as unknown as Kysely<unknown>);
      const rows = await db.selectFrom('artifacts').select(['digest', 'artifact_type', 'accessory_type']).where('subject_digest', 'is not', null).execute();
      const types = new Map(rows.map((r) => [r.artifact_type === HARBOR_SBOM ? 'harbor' : r.digest, r.accessory_type]));
      assert.equal(types.get(sbom), 'subject.accessory');
      assert.equal(types.get(signature), 'signature.cosign');
      assert.equal(types.get('harbor'), 'sbom.harbor');
    });
  });
}
