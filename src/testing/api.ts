import { ADMIN } from './client.js';

/** A call to the management API as a script or the portal would make it. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { authorization?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const authorization = options.authorization === undefined ? ADMIN : options.authorization;
  if (authorization) headers.authorization = authorization;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  return fetch(`${baseUrl}/api/v2.0${path}`, { method, headers, body });
}

/** The JSON body, failing the test with the response text when the status is not the expected one. */
export async function expectJson<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
