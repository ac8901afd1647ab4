import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AccessoryType, HARBOR_SBOM, type Actor, type ContentService } from '../../content/index.js';
import type { Repository } from '../../platform/db/index.js';
import { TooLargeError } from '../../platform/errors/index.js';
import type { SpdxDocument } from './spdx.js';
import { timestamp } from './subject.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** Harbor's SBOM accessory names its one layer a tar although it holds the SPDX JSON as it is; clients and Harbor expect exactly that. */
const SBOM_LAYER = 'application/vnd.oci.image.layer.v1.tar';
/** Bigger documents are refused rather than built in memory (a 100k-package image makes well under 100 MiB). */
export const MAX_SBOM_BYTES = 256 * 1024 * 1024;

export interface SbomAccessoryDeps {
  content: ContentService;
}

export interface StoreSbomInput {
  /** The repository holding the subject; the SBOM goes into the same one, as Harbor puts it. */
  repository: Repository;
  /** Digest of the scanned manifest. */
  subject: string;
  /** Berth's own SPDX document, or the raw SPDX JSON an external scanner adapter answered. */
  document: SpdxDocument | Readonly<Record<string, unknown>>;
  /** The time written into the annotations and the config. */
  created: Date;
  /** Who the push and the replaced accessory's deletion are recorded for. */
  actor?: Actor;
}

const DEFAULT_ACTOR: Actor = { name: 'berth-scanner' };

/**
 * Stores an SPDX document as Harbor's `sbom.harbor` accessory of the subject: an OCI image
 * manifest in the subject's repository with config media type `application/vnd.goharbor.harbor.sbom.v1`,
 * one layer holding the document's JSON, and the subject's descriptor as `subject`. It goes
 * through content's push path, so quota, the push gates, events, audit and the accessory type
 * all apply as to any push. Earlier `sbom.harbor` accessories of the subject are then deleted
 * through content's delete rule (the new one is pushed first, so a refused push leaves the old
 * SBOM in place). Answers the accessory manifest's digest and size.
 */
export async function storeSbomAccessory(deps: SbomAccessoryDeps, input: StoreSbomInput): Promise<{ digest: string; size: number }> {
  const { content } = deps;
  const actor = input.actor ?? DEFAULT_ACTOR;
  const subject = await content.resolve(input.repository, input.subject);
  const layer = serialize(input.document);
  const layerDigest = sha256(layer);
  // RFC 3339 in seconds, as Harbor writes these annotations.
  const created = timestamp(input.created);
  // As go-containerregistry writes for Harbor: an image config whose one diff id is the layer.
  const config = Buffer.from(JSON.stringify({ architecture: '', created, os: '', rootfs: { type: 'layers', diff_ids: [layerDigest] }, config: {} }));
  await content.putBlob(input.repository, sha256(config), Readable.from([config]));
  await content.putBlob(input.repository, layerDigest, Readable.from([layer]));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: HARBOR_SBOM, digest: sha256(config), size: config.length },
      layers: [{ mediaType: SBOM_LAYER, digest: layerDigest, size: layer.length }],
      subject: { mediaType: subject.media_type, digest: subject.digest, size: subject.manifest_size },
      annotations: {
        created,
        'created-by': 'Berth',
        'org.opencontainers.artifact.created': created,
        'org.opencontainers.artifact.description': 'SPDX JSON SBOM',
      },
    }),
  );
  const { digest } = await content.putManifest(input.repository, sha256(manifest), manifest, OCI_MANIFEST, actor);
  const previous = (await content.referrers(input.repository, subject.digest, undefined)).filter(
    (a) => a.accessory_type === AccessoryType.HarborSbom && a.digest !== digest,
  );
  if (previous.length > 0) await content.deleteArtifacts(input.repository, previous, actor);
  return { digest, size: manifest.length };
}

function serialize(document: StoreSbomInput['document']): Buffer {
  let text: string;
  try {
    text = JSON.stringify(document);
  } catch (err) {
    // V8 refuses strings past about 512 MiB with a RangeError: the same answer as the bound below.
    if (err instanceof RangeError) throw new TooLargeError('artifact', 'the SBOM is too large to store', { limit: MAX_SBOM_BYTES });
    throw err;
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SBOM_BYTES) throw new TooLargeError('artifact', 'the SBOM is too large to store', { size: bytes.length, limit: MAX_SBOM_BYTES });
  return bytes;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
