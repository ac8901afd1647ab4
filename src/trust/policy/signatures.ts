import { AccessoryType } from '../../content/index.js';
import type { Executor } from '../../platform/db/index.js';

export const SIGNATURE_TYPES = { cosign: AccessoryType.CosignSignature, notation: AccessoryType.NotationSignature } as const;
export type SignatureKind = keyof typeof SIGNATURE_TYPES;

/** A signature accessory of an artifact: its manifest's digest and the subject it signs. */
export interface SignatureRef {
  readonly id: number;
  readonly digest: string;
  readonly subjectDigest: string;
  readonly mediaType: string;
}

/**
 * The signatures of one kind that cover the artifact: its own, and those of the indexes in the
 * repository that list it (a signed index covers its images, which are pulled by digest).
 */
export async function signaturesCovering(db: Executor, repositoryId: number, digest: string, kind: SignatureKind, limit = 50): Promise<SignatureRef[]> {
  const rows = await db
    .selectFrom('artifacts as s')
    .select(['s.id', 's.digest', 's.subject_digest', 's.media_type'])
    .where('s.repository_id', '=', repositoryId)
    .where('s.accessory_type', '=', SIGNATURE_TYPES[kind])
    .where((eb) =>
      eb.or([
        eb('s.subject_digest', '=', digest),
        eb(
          's.subject_digest',
          'in',
          eb
            .selectFrom('artifact_references as r')
            .innerJoin('artifacts as parent', 'parent.id', 'r.artifact_id')
            .select('parent.digest')
            .where('r.child_digest', '=', digest)
            .where('r.child_kind', '=', 'manifest')
            .where('parent.repository_id', '=', repositoryId),
        ),
      ]),
    )
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, digest: r.digest, subjectDigest: r.subject_digest ?? digest, mediaType: r.media_type }));
}

/** Whether the artifact is itself a signature, which content trust never asks to be signed. */
export function isSignature(artifact: { accessory_type: string | null }): boolean {
  return artifact.accessory_type === SIGNATURE_TYPES.cosign || artifact.accessory_type === SIGNATURE_TYPES.notation;
}
