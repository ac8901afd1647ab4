import type { Artifact } from '../platform/db/index.js';
import { isIndexMediaType } from '../platform/lib/index.js';
import { accessoryType, cosignTagAccessory, readManifestBody } from './manifest-body.js';

/** A manifest about to be served before it is an artifact here (a proxy cache's first pulls). */
export interface ProvisionalManifest {
  /** The repository it is cached in, if it has one yet. */
  repositoryId: number | undefined;
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** The tag it was asked for, if any: cosign's `sha256-<hex>.sig` tags make a signature. */
  tag: string | undefined;
}

/**
 * The artifact such a manifest will become, as far as the pull gates look: what it is (media
 * types, signature or not, its subject), and none of what only a stored artifact has (an id, scan
 * reports, signatures of its own). So the gates judge it as they would a just-pushed image: with
 * content trust on it is refused until its signature is here too; with the vulnerability policy on
 * it is refused until it has been scanned.
 */
export function provisionalArtifact(manifest: ProvisionalManifest): Artifact {
  const body = readManifestBody(manifest.bytes, manifest.mediaType);
  const tagged = body.subject === undefined ? cosignTagAccessory(manifest.tag ?? null, body) : undefined;
  const index = isIndexMediaType(manifest.mediaType);
  return {
    id: 0,
    repository_id: manifest.repositoryId ?? 0,
    digest: manifest.digest,
    media_type: manifest.mediaType,
    artifact_type: body.artifactType ?? null,
    size: manifest.bytes.length,
    manifest_size: manifest.bytes.length,
    subject_digest: body.subject ?? tagged?.subject ?? null,
    annotations: null,
    push_time: 0,
    pull_time: null,
    type: null,
    config_media_type: index ? null : (body.config?.mediaType ?? null),
    extra_attrs: null,
    accessory_type: tagged?.type ?? (body.subject !== undefined ? accessoryType(body) : null),
    index_references: null,
  };
}
