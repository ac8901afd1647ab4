/**
 * Harbor's management API error envelope: `{"errors":[{"code":"NOT_FOUND","message":"…"}]}`.
 * Codes follow Harbor's `src/lib/errors` names so Harbor clients read them unchanged.
 */
export const API_ERRORS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** Harbor's code for a change refused in read-only mode. */
  DENIED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ENTITY: 422,
  TOO_MANY_REQUEST: 429,
  INSUFFICIENT_STORAGE: 507,
} as const;

export type ApiCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiCode,
    message: string,
  ) {
    super(message);
    this.status = API_ERRORS[code];
  }
}
