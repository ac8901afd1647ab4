import { sql, type Kysely } from 'kysely';

/** The media types that decide an accessory's type (as in src/content/manifest-body.ts); a migration keeps its own copy. */
const HARBOR_SBOM = 'application/vnd.goharbor.harbor.sbom.v1';
const COSIGN_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/**
 * Accessory types as Harbor spells them. Rows kept `subject` and `sbom`; Harbor says
 * `subject.accessory` for any referrer, `sbom.harbor` only for its own SBOM (a user's SPDX or
 * CycloneDX referrer is a `subject.accessory` there), and `signature.cosign` for cosign's OCI
 * 1.1 signatures too. Rows whose facts are not kept yet (NULL) get the new names from the
 * startup backfill.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update artifacts set accessory_type = 'signature.cosign'
    where accessory_type in ('subject', 'sbom') and (artifact_type = ${COSIGN_ARTIFACT} or config_media_type = ${COSIGN_ARTIFACT})`.execute(db);
  await sql`update artifacts set accessory_type = 'sbom.harbor'
    where accessory_type in ('subject', 'sbom') and (artifact_type = ${HARBOR_SBOM} or config_media_type = ${HARBOR_SBOM})`.execute(db);
  await sql`update artifacts set accessory_type = 'subject.accessory' where accessory_type in ('subject', 'sbom')`.execute(db);
}
