/**
 * The OCI Distribution Spec error codes, each with the status it is answered with.
 * One table: handlers throw `new OciError('BLOB_UNKNOWN', detail)` and the error
 * handler writes `{"errors":[{code,message,detail}]}`.
 */
export const OCI_ERRORS = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 404, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 415, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  // distribution's code for a service that cannot answer now (a proxy cache's upstream is down).
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  // Not in the spec's table, but used by distribution and expected by clients.
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'payload too large' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'the operation is not allowed' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request arrived too slowly' },
  // Harbor's code for a pull a project policy refuses (vulnerable images); clients print its message.
  PROJECTPOLICYVIOLATION: { status: 412, message: 'the project policy refuses this artifact' },
} as const;

export type OciCode = keyof typeof OCI_ERRORS;

export class OciError extends Error {
  readonly status: number;
  constructor(
    readonly code: OciCode,
    readonly detail?: unknown,
    message?: string,
    /** Extra response headers, e.g. `Range` on a 416. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? OCI_ERRORS[code].message);
    this.status = OCI_ERRORS[code].status;
  }
}
