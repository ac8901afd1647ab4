/**
 * What went wrong talking to a remote registry: one error type, worded for the person reading
 * it (a replication execution's log, the endpoint test in the portal, `berth sign`'s stderr).
 * `status` is the HTTP status when the registry answered, `code` its OCI error code, and
 * `reason` a coarse class callers branch on (retry, tell the user to fix credentials, ...).
 */
export type RegistryErrorReason =
  | 'unreachable'
  | 'tls'
  | 'plain-http'
  | 'timeout'
  | 'private-network'
  | 'credentials-required'
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'not-a-registry'
  | 'too-large'
  | 'invalid'
  | 'unexpected';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly status?: number;
  /** The registry's OCI error code (`BLOB_UNKNOWN`, `DENIED`, ...), when its body had one. */
  readonly code?: string;
  readonly reason: RegistryErrorReason;

  constructor(message: string, options: { status?: number; code?: string; reason?: RegistryErrorReason } = {}) {
    super(message);
    if (options.status !== undefined) this.status = options.status;
    if (options.code !== undefined) this.code = options.code;
    this.reason = options.reason ?? reasonOfStatus(options.status);
  }
}

function reasonOfStatus(status: number | undefined): RegistryErrorReason {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'denied';
  if (status === 404) return 'not-found';
  if (status === 413) return 'too-large';
  if (status !== undefined && status >= 400 && status < 500) return 'invalid';
  return 'unexpected';
}

/** The first error of an OCI error body (`{"errors":[{"code","message"}]}`), when the body is one. */
export function ociError(body: Buffer | undefined): { code?: string; message?: string } | undefined {
  if (!body || body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (!first) return undefined;
    return {
      ...(typeof first.code === 'string' ? { code: first.code.slice(0, 100) } : {}),
      ...(typeof first.message === 'string' ? { message: first.message.slice(0, 500) } : {}),
    };
  } catch {
    return undefined;
  }
}

/** `<what>: <host> answered <status> (<CODE>: <message>)`, with the OCI code kept on the error. */
export function answeredError(what: string, host: string, status: number, body?: Buffer): RegistryError {
  const oci = ociError(body);
  const detail = oci ? ` (${[oci.code, oci.message].filter(Boolean).join(': ')})` : '';
  return new RegistryError(`${what}: ${host} answered ${status}${detail}`, { status, ...(oci?.code ? { code: oci.code } : {}) });
}

/** A network-level failure (no HTTP answer), translated into a sentence that says what to check. */
export function networkError(origin: string, err: NodeJS.ErrnoException, secure: boolean): RegistryError {
  const text = `${err.code ?? ''} ${err.message}`;
  if (err.code === 'ECONNREFUSED')
    return new RegistryError(`cannot connect to ${origin}: connection refused (is the registry running there?)`, { reason: 'unreachable' });
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new RegistryError(`cannot connect to ${origin}: unknown host`, { reason: 'unreachable' });
  if (/certificate|self[- ]signed|unable to verify|ERR_TLS_CERT/i.test(text)) {
    return new RegistryError(`TLS certificate of ${origin} not trusted (${err.message})`, { reason: 'tls' });
  }
  if (secure && /wrong version number|packet length too long|EPROTO/i.test(text)) {
    return new RegistryError(`${origin} does not speak HTTPS`, { reason: 'plain-http' });
  }
  return new RegistryError(`cannot talk to ${origin}: ${err.message}`, { reason: 'unreachable' });
}
