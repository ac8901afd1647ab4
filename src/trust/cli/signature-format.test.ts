import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { goJsonString, referrerManifest, signatureConfig, signatureLayer, simpleSigningPayload, tagSchemeManifest } from '../sign/index.js';

const fixtures = new URL('../verify/fixtures/', import.meta.url);
const read = (path: string): Buffer => readFileSync(new URL(path, fixtures));
interface Example {
  manifest: {
    config: { mediaType: string; size: number; digest: string };
    layers: Array<{ mediaType: string; size: number; digest: string; annotations: Record<string, string> }>;
    subject?: { mediaType: string; size: number; digest: string };
  };
}
const example = (name: string): Example => JSON.parse(read(`harbor-examples/${name}`).toString('utf8')) as Example;

describe("cosign's signature format, reproduced byte for byte", () => {
  it('the simple-signing payload equals the ones cosign signed in the containers/image vectors', () => {
    for (const folder of ['cosign-containers-image', 'cosign-key-rekor-containers-image']) {
      const original = read(`${folder}/payload.json`);
      const parsed = JSON.parse(original.toString('utf8')) as {
        critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string } };
      };
      const ours = simpleSigningPayload(parsed.critical.identity['docker-reference'], parsed.critical.image['docker-manifest-digest']);
      assert.equal(ours.toString('utf8'), original.toString('utf8'), folder);
    }
  });

  it('annotations go to "optional" with sorted keys and Go string escaping', () => {
    const payload = simpleSigningPayload('r.example/a', `sha256:${'0'.repeat(64)}`, { z: '1', a: '<b> & c' });
    assert.match(payload.toString('utf8'), /,"optional":\{"a":"\\u003cb\\u003e \\u0026 c","z":"1"\}\}$/);
    assert.equal(goJsonString('line\nbreak\u2028'), '"line\\nbreak\\u2028"');
  });

  it("the signature image config equals cosign's in both Harbor examples (digest and size)", () => {
    for (const name of ['cosign-tag-scheme-signature-manifest.json', 'cosign-oci11-subject-signature-manifest.json']) {
      const { manifest } = example(name);
      const config = signatureConfig(
        manifest.layers.map((l) => l.digest),
        manifest.config.mediaType,
      );
      assert.deepEqual(config.descriptor, manifest.config, name);
    }
  });

  it("the OCI 1.1 signature manifest is cosign's, field for field", () => {
    const { manifest } = example('cosign-oci11-subject-signature-manifest.json');
    const layer = manifest.layers[0];
    assert.ok(layer && manifest.subject);
    const built = referrerManifest(layer, manifest.subject);
    assert.equal(built.bytes.toString('utf8'), JSON.stringify(manifest));
  });

  it("the tag-scheme manifest has the example's config, layers and annotation keys, and appends layers", () => {
    const { manifest } = example('cosign-tag-scheme-signature-manifest.json');
    const layer = manifest.layers[0];
    assert.ok(layer);
    const built = tagSchemeManifest([], layer);
    // Harbor's comment leaves out the top-level mediaType cosign sends; everything else is identical.
    const { mediaType, ...rest } = built.manifest;
    assert.equal(mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(rest, manifest);

    const second = signatureLayer(Buffer.from('another payload'), 'c2lnbmF0dXJl');
    const appended = tagSchemeManifest(built.manifest.layers, second.descriptor);
    assert.deepEqual(
      appended.manifest.layers.map((l) => l.digest),
      [layer.digest, second.descriptor.digest],
    );
    const config = JSON.parse(appended.config.bytes.toString('utf8')) as { rootfs: { diff_ids: string[] }; history: unknown[] };
    assert.deepEqual(config.rootfs.diff_ids, [layer.digest, second.descriptor.digest]);
    assert.equal(config.history.length, 2);
  });
});
