import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, API_ERRORS, type ApiCode } from './api-error.js';
import { DomainError, type DomainErrorKind, type Subject } from './domain.js';
import { OciError, OCI_ERRORS, type OciCode } from './oci.js';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { asStorageFull } from './out-of-space.js';

export { OciError, ApiError };

interface ErrorBody {
  errors: Array<{ code: string; message: string; detail?: unknown }>;
}

function isRegistryPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/');
}

/** Fastify's own errors (bad JSON, body too large, …) mapped to the nearest OCI code. */
function ociCodeForStatus(status: number): OciCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NAME_UNKNOWN';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 408:
      return 'REQUEST_TIMEOUT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED';
    case 416:
      return 'RANGE_INVALID';
    default:
      return 'MANIFEST_INVALID';
  }
}

/** A domain error on /api/v2.0: Harbor's code for its kind. */
const API_CODES: Record<DomainErrorKind, ApiCode> = {
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  denied: 'FORBIDDEN',
  precondition: 'PRECONDITION',
  quota: 'FORBIDDEN',
  invalid: 'BAD_REQUEST',
  unsupported: 'UNSUPPORTED_MEDIA_TYPE',
  'too-large': 'PAYLOAD_TOO_LARGE',
  unprocessable: 'UNPROCESSABLE_ENTITY',
  'too-many': 'TOO_MANY_REQUEST',
  'storage-full': 'INSUFFICIENT_STORAGE',
  'read-only': 'DENIED',
};

/** Retry-After on a 503 for a database that is restarting or busy. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** 507 Insufficient Storage: the spec's table has no status for a full disk, HTTP has. */
const STORAGE_FULL_STATUS = 507;

/** A domain error on /v2/: the OCI code for its kind and what it is about. */
function ociCodeFor(kind: DomainErrorKind, subject: Subject): OciCode {
  switch (kind) {
    case 'not-found':
      if (subject === 'blob') return 'BLOB_UNKNOWN';
      if (subject === 'upload') return 'BLOB_UPLOAD_UNKNOWN';
      if (subject === 'reference') return 'MANIFEST_BLOB_UNKNOWN';
      if (subject === 'manifest' || subject === 'tag' || subject === 'artifact') return 'MANIFEST_UNKNOWN';
      return 'NAME_UNKNOWN';
    case 'invalid':
      if (subject === 'digest') return 'DIGEST_INVALID';
      if (subject === 'name' || subject === 'repository' || subject === 'project') return 'NAME_INVALID';
      if (subject === 'size') return 'SIZE_INVALID';
      if (subject === 'range') return 'RANGE_INVALID';
      if (subject === 'upload' || subject === 'blob') return 'BLOB_UPLOAD_INVALID';
      return 'MANIFEST_INVALID';
    case 'conflict':
      return subject === 'upload' ? 'BLOB_UPLOAD_INVALID' : 'DENIED';
    case 'unsupported':
      return 'UNSUPPORTED';
    case 'too-large':
      return 'PAYLOAD_TOO_LARGE';
    case 'unprocessable':
      return 'MANIFEST_INVALID';
    case 'too-many':
      return 'TOOMANYREQUESTS';
    // A full disk, like a quota, refuses in the spec's own code (its status is 507, see below).
    case 'precondition':
      return subject === 'policy' ? 'PROJECTPOLICYVIOLATION' : 'DENIED';
    case 'denied':
    case 'quota':
    case 'storage-full':
    case 'read-only':
      return 'DENIED';
  }
}

/**
 * The one error writer. Typed errors become their envelope; an engine's out-of-space error
 * (file system, SQLite, PostgreSQL) becomes the storage-full domain error; client errors raised
 * by the framework keep their 4xx; a database that cannot be reached or used for a moment is a
 * 503 with Retry-After; anything else is logged and answered as a bare 500.
 */
export function errorHandler(thrown: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const registry = isRegistryPath(request.url);
  // A disk that filled up under a write is the registry's condition, not a bug: its own answer
  // (507), and the engine's error logged so the operator sees where it happened.
  const full = thrown instanceof DomainError ? undefined : asStorageFull(thrown);
  if (full) request.log.warn({ err: thrown }, 'storage full');
  const error = full ?? thrown;
  if (error instanceof OciError) {
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    send(reply, error.status, { errors: [{ code: error.code, message: error.message, detail: error.detail ?? {} }] });
    return;
  }
  if (error instanceof DomainError) {
    if (registry) {
      const code = ociCodeFor(error.kind, error.subject);
      if (code === 'RANGE_INVALID' && typeof error.detail.uploaded === 'number') reply.header('range', `0-${Math.max(error.detail.uploaded - 1, 0)}`);
      const status = error.kind === 'storage-full' ? STORAGE_FULL_STATUS : OCI_ERRORS[code].status;
      send(reply, status, { errors: [{ code, message: error.message, detail: error.detail }] });
    } else {
      const code = API_CODES[error.kind];
      send(reply, API_ERRORS[code], { errors: [{ code, message: error.message }] });
    }
    return;
  }
  if (error instanceof ApiError) {
    send(reply, error.status, { errors: [{ code: error.code, message: error.message }] });
    return;
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    if (registry) {
      const code = ociCodeForStatus(status);
      send(reply, status, { errors: [{ code, message: error.message || OCI_ERRORS[code].message, detail: {} }] });
    } else {
      send(reply, status, { errors: [{ code: apiCodeForStatus(status), message: error.message }] });
    }
    return;
  }
  if (isDatabaseUnavailable(error)) {
    // Down for a moment, not a bug: clients are told to try again, and the operator sees why.
    request.log.warn({ err: error }, 'database unavailable');
    reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    const message = 'the registry cannot reach its database right now; try again shortly';
    send(reply, 503, { errors: [{ code: registry ? 'UNAVAILABLE' : 'SERVICE_UNAVAILABLE', message }] });
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  send(reply, 500, { errors: [{ code: registry ? 'UNKNOWN' : 'INTERNAL_SERVER_ERROR', message: 'internal server error' }] });
}

/** Fastify's own errors (and a request cut for being slow) on /api/v2.0. */
function apiCodeForStatus(status: number): string {
  if (status === 404) return 'NOT_FOUND';
  if (status === 408) return 'REQUEST_TIMEOUT';
  return 'BAD_REQUEST';
}

function send(reply: FastifyReply, status: number, body: ErrorBody): void {
  if (reply.sent) return;
  // Whatever was too large is not read to its end: the connection closes after the answer,
  // so a client that declared a gigabyte cannot make the server drain it.
  if (status === 413) reply.header('connection', 'close');
  reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}
