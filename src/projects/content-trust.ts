/** What a project's content trust asks of pulls: which signatures, and whether they must verify. */
export interface ContentTrustPolicy {
  /** Harbor's `enable_content_trust_cosign`. */
  readonly cosign: boolean;
  /** Harbor's `enable_content_trust`, which since Harbor 2.9 means notation. */
  readonly notation: boolean;
  /** Berth's `require_verified_signature`: the signature must verify against the trust material. */
  readonly verified: boolean;
}

/** The project metadata content trust reads. */
export const CONTENT_TRUST_METADATA = ['enable_content_trust', 'enable_content_trust_cosign', 'require_verified_signature'] as const;

/** The project's content trust from its pull metadata (pull-metadata.ts), or undefined when it asks nothing of pulls. */
export function contentTrustPolicy(metadata: ReadonlyMap<string, string>): ContentTrustPolicy | undefined {
  const on = (name: string) => metadata.get(name) === 'true';
  const policy = { cosign: on('enable_content_trust_cosign'), notation: on('enable_content_trust'), verified: on('require_verified_signature') };
  return policy.cosign || policy.notation ? policy : undefined;
}
