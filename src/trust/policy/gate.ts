import { recordAudit } from '../../audit/index.js';
import { exemptFromPolicies, type PullGate, type PullRequestFacts } from '../../content/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/index.js';
import { PreconditionFailedError } from '../../platform/errors/index.js';
import { contentTrustPolicy, type PullMetadata } from '../../projects/index.js';
import { isSignature, signaturesCovering, type SignatureKind, type SignatureRef } from './signatures.js';

/** Checks signatures against the project's trust material; answers whether one of them verifies. */
export interface SignatureJudge {
  anyVerified(db: Executor, projectId: number, kind: SignatureKind, signatures: readonly SignatureRef[]): Promise<boolean>;
}

const NAMES: Record<SignatureKind, string> = { cosign: 'cosign', notation: 'notation' };

/**
 * Harbor's content trust as a pull gate: with `enable_content_trust_cosign` (or
 * `enable_content_trust`, notation) on, an artifact without a cosign (notation) signature is
 * refused with Harbor's PROJECTPOLICYVIOLATION and message. With Berth's
 * `require_verified_signature` on as well, one of the signatures must verify against the trust
 * material. Signatures themselves, scan jobs and signers pass, as in Harbor. A refusal is audited
 * as a failed pull.
 */
export function contentTrustGate(judge: SignatureJudge, clock: Clock, passes: PassMemory, metadata: PullMetadata): PullGate {
  return {
    name: 'content-trust',
    async beforePull(db: Executor, pull: PullRequestFacts): Promise<void> {
      const key = `${pull.projectId}@${pull.artifact.repository_id}@${pull.artifact.digest}`;
      if (passes.has(key)) return;
      const policy = contentTrustPolicy(await metadata.of(db, pull.projectId));
      if (!policy || isSignature(pull.artifact)) return;
      const kinds: SignatureKind[] = [...(policy.cosign ? (['cosign'] as const) : []), ...(policy.notation ? (['notation'] as const) : [])];
      for (const kind of kinds) {
        const signatures = await signaturesCovering(db, pull.artifact.repository_id, pull.artifact.digest, kind);
        let refusal: string | undefined;
        if (signatures.length === 0) refusal = `The image is not signed by ${NAMES[kind]}.`;
        else if (policy.verified && !(await judge.anyVerified(db, pull.projectId, kind, signatures)))
          refusal = `The image has no ${NAMES[kind]} signature that verifies against the project's trusted keys.`;
        if (refusal === undefined) continue;
        if (await exemptFromPolicies(pull)) return;
        await recordAudit(db, {
          projectId: pull.projectId,
          operation: 'pull',
          resourceType: 'artifact',
          resource: `${pull.repository}@${pull.digest}`,
          username: pull.puller?.name ?? 'anonymous',
          clientIp: pull.puller?.ip ?? null,
          success: false,
          at: clock.now(),
        });
        throw new PreconditionFailedError('policy', refusal, { signature: kind });
      }
      passes.remember(key);
    },
  };
}

/**
 * How long a pull that passed is let through again unchecked: a change of trust material or
 * policy on another instance (or of the project's metadata) applies within this; one made
 * through this instance's trust API applies at once.
 */
export const PASS_MEMORY_MS = 2_000;
const MAX_REMEMBERED = 10_000;

/**
 * The artifacts whose pulls passed content trust a moment ago. A busy tag (every node of a
 * cluster pulling one image) is checked once per moment, not once per pull; refusals are never
 * remembered, so a newly signed image passes at once.
 */
export class PassMemory {
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Forgets every pass: the trust material or policy just changed. */
  forget(): void {
    this.until.clear();
  }

  has(key: string): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.until.delete(key);
    return false;
  }

  remember(key: string): void {
    if (this.until.size >= MAX_REMEMBERED) this.until.clear();
    this.until.set(key, this.clock.now() + PASS_MEMORY_MS);
  }
}
