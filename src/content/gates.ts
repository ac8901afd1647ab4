import type { Artifact, Executor, Repository } from '../platform/db/index.js';

/** Tags of a repository about to point at other content (a push, a copy, a new tag) or to go. */
export interface TagChange {
  repository: Repository;
  tags: readonly string[];
  change: 'move' | 'delete';
}

/** Bytes new to a project that a push, mount or copy brings in. */
export interface ByteCharge {
  projectId: number;
  bytes: number;
  now: number;
}

/** Bytes that are about to arrive in a project's uploads: `pending` answers what its uploads and unheld blobs take already. */
export interface UploadCheck {
  projectId: number;
  /** Bytes of the project's uploads in progress and of blobs linked to its repositories that no artifact holds yet; queried only when asked. */
  pending: () => Promise<number>;
}

/** How many more bytes a project's uploads may take, and the refusal for more. */
export interface UploadRoom {
  bytes: number;
  refuse(adding: number): Error;
}

/**
 * A rule content changes must pass (read-only mode, immutability, quota; later signature policies). Each
 * method runs in the transaction of the change and refuses by throwing a domain error, so a
 * refusal has one rule and one message on /v2/ and on the API alike.
 */
export interface PushGate {
  readonly name: string;
  /**
   * Any change to content is about to start (an upload, a mount, a manifest, a tag, a copy, a
   * deletion, a sweep by garbage collection): throw to refuse it before anything is written.
   */
  beforeChange?(db: Executor): Promise<void>;
  /** Tags about to move or go: throw to refuse (PreconditionFailedError for an immutable tag). */
  tagsChanging?(trx: Executor, change: TagChange): Promise<void>;
  /** Bytes new to the project: throw QuotaExceededError to refuse; answers whether a warning threshold was crossed. */
  bytesAdded?(trx: Executor, charge: ByteCharge): Promise<{ warning: boolean }>;
  /** Bytes the project no longer holds. */
  bytesReleased?(trx: Executor, charge: ByteCharge): Promise<void>;
  /** A cheap early answer before work starts (a mount): throw to refuse. The charge itself decides. */
  mayAdd?(db: Executor, charge: ByteCharge): Promise<void>;
  /** Room for new upload bytes before any artifact holds them (undefined: no bound). The charge at manifest push still decides. */
  roomForUploads?(db: Executor, check: UploadCheck): Promise<UploadRoom | undefined>;
}

/** What a pull gate weighs: the artifact about to be served. */
export interface PullRequestFacts {
  projectId: number;
  repository: string;
  digest: string;
  artifact: Artifact;
  /** Whether the puller holds Harbor's scanner-pull (a scan job's robot), which policies let through; asked only when a gate would refuse. */
  isScanner?: () => Promise<boolean>;
  /**
   * Whether the puller is a signer about to sign: a cosign or notation client (by User-Agent)
   * that may push to the repository. Policies let it through, as Harbor does, since signing
   * starts with a pull. Asked only when a gate would refuse.
   */
  isSigner?: () => Promise<boolean>;
  /** Who pulls, for the audit log of a refusal. */
  puller?: { name: string; ip?: string };
}

/** Who a policy lets through whatever it says: scan jobs and signers (Harbor's SkipPolicyChecking). */
export async function exemptFromPolicies(pull: PullRequestFacts): Promise<boolean> {
  return (await pull.isScanner?.()) === true || (await pull.isSigner?.()) === true;
}

/** A rule pulls must pass (vulnerability policy; later content trust). Throws a domain error to refuse. */
export interface PullGate {
  readonly name: string;
  beforePull(db: Executor, pull: PullRequestFacts): Promise<void>;
}

export interface Gates {
  push: readonly PushGate[];
  pull: readonly PullGate[];
}

export const NO_GATES: Gates = { push: [], pull: [] };
