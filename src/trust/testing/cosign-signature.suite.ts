import { sign, type KeyObject } from 'node:crypto';
import { OCI_MANIFEST, type TestClient } from '../../testing/client.js';
import { SIMPLE_SIGNING_LAYER_TYPE } from '../sign/signature-manifest.js';

/**
 * Pushes a signature as `cosign sign --key` does in its tag scheme: a small config and one
 * simple-signing layer whose payload names the subject, tagged `sha256-<hex>.sig`. Signed with
 * `privateKey` when given, by `annotate` (which answers the layer's annotations for the payload,
 * as a keyless signer does), else with a placeholder signature. Answers the signature's digest.
 */
export async function pushCosignSignature(
  client: TestClient,
  repository: string,
  subject: string,
  options: { privateKey?: KeyObject; layerType?: string; annotate?: (payload: Buffer) => Record<string, string> } = {},
): Promise<string> {
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': `registry/${repository}` },
        image: { 'docker-manifest-digest': subject },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const signature = options.privateKey ? sign('sha256', payload, options.privateKey).toString('base64') : 'MEUCIQ==';
  const config = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await client.pushBlob(repository, config), size: config.length },
    layers: [
      {
        mediaType: options.layerType ?? SIMPLE_SIGNING_LAYER_TYPE,
        digest: await client.pushBlob(repository, payload),
        size: payload.length,
        annotations: options.annotate ? options.annotate(payload) : { 'dev.cosignproject.cosign/signature': signature },
      },
    ],
  };
  return (await client.pushManifest(repository, `${subject.replace(':', '-')}.sig`, manifest)).digest;
}
