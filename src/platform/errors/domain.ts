/**
 * Errors in the domain's own words. Services throw these and know nothing of HTTP; the one
 * error handler (handler.ts) renders them as the OCI error table on /v2/ and as Harbor's
 * `{"errors":[{"code","message"}]}` envelope on /api/v2.0.
 */
export type DomainErrorKind =
  | 'not-found'
  | 'conflict'
  | 'denied'
  | 'precondition'
  | 'quota'
  | 'invalid'
  | 'unsupported'
  | 'too-large'
  | 'unprocessable'
  | 'storage-full'
  | 'too-many'
  | 'read-only';

/** What the error is about: on /v2/ it picks the OCI code (a missing blob is BLOB_UNKNOWN, a missing manifest MANIFEST_UNKNOWN). */
export type Subject =
  | 'project'
  | 'repository'
  | 'artifact'
  | 'manifest'
  | 'tag'
  | 'blob'
  | 'upload'
  /** A blob or child manifest that a pushed manifest refers to. */
  | 'reference'
  | 'digest'
  | 'name'
  | 'size'
  /** A chunk that does not start where the upload ends; detail.uploaded is the size so far. */
  | 'range'
  | 'input'
  /** The disk holding blobs or the database. */
  | 'storage'
  /** The registry as a whole (its read-only mode). */
  | 'system'
  /** A project policy a pull must pass (Harbor's PROJECTPOLICYVIOLATION on /v2/). */
  | 'policy';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly subject: Subject,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('not-found', subject, message, detail);
  }
}

export class ConflictError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('conflict', subject, message, detail);
  }
}

/** Not allowed, whoever asks (a rule, not a permission: permissions are checked by the adapters). */
export class DeniedError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('denied', subject, message, detail);
  }
}

/** A policy stands in the way (an immutable tag, an index that still lists the manifest). */
export class PreconditionFailedError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('precondition', subject, message, detail);
  }
}

export class InvalidInputError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('invalid', subject, message, detail);
  }
}

export class UnsupportedError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('unsupported', subject, message, detail);
  }
}

export class TooLargeError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('too-large', subject, message, detail);
  }
}

/** Stored content that cannot be read as what it claims to be (a chart that is not a readable .tgz). */
export class UnprocessableError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('unprocessable', subject, message, detail);
  }
}

/** A caller holds as many of something as it may at once (open upload sessions); it may retry once some are done. */
export class TooManyRequestsError extends DomainError {
  constructor(subject: Subject, message: string, detail: Record<string, unknown> = {}) {
    super('too-many', subject, message, detail);
  }
}

/**
 * Refused because the project's storage limit would be passed; nothing was charged. `pending`
 * is what uploads and blobs no artifact holds yet take on top of `used`: new uploads must fit
 * beside them, while the quota's reported usage stays what artifacts hold.
 */
export class QuotaExceededError extends DomainError {
  constructor(
    readonly projectId: number,
    readonly adding: number,
    readonly used: number,
    readonly hard: number,
    readonly pending = 0,
  ) {
    const usage =
      pending > 0
        ? `usage of ${formatBytes(used + pending)} (${formatBytes(pending)} of it in uploads and blobs no artifact holds yet)`
        : `usage of ${formatBytes(used)}`;
    super('quota', 'project', `quota exceeded: adding ${formatBytes(adding)} of storage would bring the project's ${usage} over its quota of ${formatBytes(hard)}`, {
      adding,
      used,
      hard,
      ...(pending > 0 ? { pending } : {}),
    });
  }
}

/**
 * Refused because the disk holding blobs or the database has no room (or too little to stay
 * safe); nothing of the request was kept. Answered 507 so clients and operators see the cause.
 */
export class StorageFullError extends DomainError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('storage-full', 'storage', `the registry's storage is full: ${reason}`, detail);
  }
}

/** Harbor's words for a change refused while the system is read-only (its `readonly` middleware). */
export const READ_ONLY_MESSAGE = 'The system is in read only mode. Any modification is prohibited.';

/**
 * Refused because an administrator put the registry in read-only mode (`read_only`): reads work,
 * nothing changes. Answered as Harbor does: 403 with code DENIED, on /v2/ and the API alike.
 */
export class ReadOnlyError extends DomainError {
  constructor() {
    super('read-only', 'system', READ_ONLY_MESSAGE);
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
