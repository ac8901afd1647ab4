import type { Executor } from '../platform/db/index.js';

/** What a project's content trust asks of pulls: which signatures, and whether they must verify. */
export interface ContentTrustPolicy {
  /** Harbor's `enable_content_trust_cosign`. */
  readonly cosign: boolean;
  /** Harbor's `enable_content_trust`, which since Harbor 2.9 means notation. */
  readonly notation: boolean;
  /** Berth's `require_verified_signature`: the signature must verify against the trust material. */
  readonly verified: boolean;
}

/** The project's content trust, or undefined when it asks nothing of pulls. */
export async function contentTrustPolicy(db: Executor, projectId: number): Promise<ContentTrustPolicy | undefined> {
  const rows = await db
    .selectFrom('project_metadata')
    .select(['name', 'value'])
    .where('project_id', '=', projectId)
    .where('name', 'in', ['enable_content_trust', 'enable_content_trust_cosign', 'require_verified_signature'])
    .execute();
  const on = new Set(rows.filter((r) => r.value === 'true').map((r) => r.name));
  const policy = { cosign: on.has('enable_content_trust_cosign'), notation: on.has('enable_content_trust'), verified: on.has('require_verified_signature') };
  return policy.cosign || policy.notation ? policy : undefined;
}
