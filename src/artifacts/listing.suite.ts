import { OCI_INDEX, OCI_MANIFEST, type TestClient } from '../testing/client.js';
import { pushChart, pushImageWithHistory, pushReferrer } from './fixtures.suite.js';

export const MANY = 'library/many';

/**
 * A repository of 100 artifacts of every kind a listing shows: images with build history,
 * indexes whose children carry platforms, urls and annotations, a chart, a cosign-like
 * signature and an SBOM attached to an image, an artifact of an unknown kind, and plain images.
 */
export async function pushListingFixtures(client: TestClient): Promise<{ count: number }> {
  let count = 0;
  const amd = await pushImageWithHistory(client, MANY, 'amd64', 'amd64');
  const arm = await pushImageWithHistory(client, MANY, 'arm64', 'arm64');
  count += 2;
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    annotations: { 'org.opencontainers.image.source': 'https://example.invalid/src' },
    manifests: [
      { mediaType: OCI_MANIFEST, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' }, annotations: { 'com.example.built': 'yes' } },
      {
        mediaType: OCI_MANIFEST,
        digest: arm.digest,
        size: arm.size,
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '6.1', 'os.features': ['sse4'] },
        urls: ['https://mirror.example.invalid/arm64'],
      },
    ],
  };
  await client.pushManifest(MANY, 'multi', index, OCI_INDEX);
  count += 1;
  await pushReferrer(client, MANY, amd, 'cosign');
  await pushReferrer(client, MANY, amd, 'sbom');
  count += 2;
  await pushChart(client, MANY, 'chart-0.1.0');
  count += 1;
  const thing = await client.pushBlob(MANY, Buffer.from('{"x":1}'));
  await client.pushManifest(MANY, 'thing', {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    annotations: { 'org.example.note': 'unknown kind' },
    config: { mediaType: 'application/vnd.example.thing.config.v1+json', digest: thing, size: 7 },
    layers: [],
  });
  count += 1;
  // Indexes of their own children, then plain images, up to 100.
  for (let i = 0; count < 100; i++) {
    if (i % 10 === 0 && count <= 97) {
      const child = await pushImageWithHistory(client, MANY, `child-${i}`, 'riscv64');
      await client.pushManifest(
        MANY,
        `index-${i}`,
        {
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.size, platform: { architecture: 'riscv64', os: 'linux' } }],
        },
        OCI_INDEX,
      );
      count += 2;
    } else {
      await client.pushImage(MANY, `plain-${i}`);
      count += 1;
    }
  }
  return { count };
}

/** With every flag a listing takes. */
export const ALL_FLAGS = 'with_tag=true&with_label=true&with_accessory=true&with_immutable_status=true&with_signature=true&with_scan_overview=true';
