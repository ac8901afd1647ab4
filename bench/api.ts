/** Harbor API calls the workloads make to set things up (projects, registry endpoints, policies), with Basic auth. */
import { assertLoopback } from './client.js';

export type Credentials = { username: string; password: string };

/** One call; a status of 300 or more throws with the server's answer. */
export async function api(baseUrl: string, creds: Credentials, method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(`/api/v2.0${path}`, baseUrl);
  assertLoopback(url);
  const res = await fetch(url, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res;
}

/** The id at the end of a 201's Location header. */
export function createdId(res: Response): number {
  const id = Number((res.headers.get('location') ?? '').split('/').pop());
  if (!Number.isInteger(id) || id <= 0) throw new Error(`201 without an id in Location (${res.headers.get('location') ?? 'none'})`);
  return id;
}
