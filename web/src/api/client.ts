import type { paths } from './schema';

/** An API path the server's OpenAPI document lists, with `{param}` placeholders. */
export type ApiPath = keyof paths;

/** A refused request: `message` is the API's own, shown to the user as it is. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const CSRF_HEADER = 'X-Harbor-CSRF-Token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The session's CSRF token. The server sends it on sign-in and on every API response to a request
 * that carries the session cookie, so the first request after a reload (the current user) brings it.
 */
let csrfToken: string | undefined;

function remember(res: Response): void {
  const token = res.headers.get(CSRF_HEADER);
  if (token) csrfToken = token;
}

/** Harbor's envelope `{"errors":[{"code","message"}]}` → its first message; anything else → the status text. */
async function failure(res: Response): Promise<ApiFailure> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { errors?: Array<{ message?: string }>; message?: string };
    const message = body.errors?.[0]?.message ?? body.message;
    if (message) return new ApiFailure(res.status, message);
  } catch {
    // Not JSON: fall through to the status line.
  }
  return new ApiFailure(res.status, text.trim() || `${res.status} ${res.statusText}`);
}

export interface Page<T> {
  items: T[];
  total: number;
}

async function send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const all: Record<string, string> = { accept: 'application/json', ...headers };
  if (UNSAFE.has(method) && csrfToken) all[CSRF_HEADER] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof URLSearchParams) payload = body;
  else if (body !== undefined) {
    all['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(url, { method, headers: all, body: payload, credentials: 'same-origin' });
  remember(res);
  if (!res.ok) throw await failure(res);
  return res;
}

/** Fills `{name}` placeholders with encoded values. */
export function apiUrl(path: ApiPath, params: Record<string, string | number> = {}, query: Record<string, string | number | undefined> = {}): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(params[name] ?? '')));
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(key, String(value));
  const qs = search.toString();
  return `/api/v2.0${filled}${qs ? `?${qs}` : ''}`;
}

/** A plain-text answer (a job log, a chart's README); a refusal still comes as the API's error envelope. */
export async function getText(url: string): Promise<string> {
  return (await send('GET', url, undefined, { accept: 'text/plain, application/json' })).text();
}

/** What to show for a failed request: the API's message, or the error's own. */
export function errorText(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

export async function getJson<T>(url: string): Promise<T> {
  return (await (await send('GET', url)).json()) as T;
}

/** A page of a list: the server pages, and says how many there are in X-Total-Count. */
export async function getPage<T>(url: string): Promise<Page<T>> {
  const res = await send('GET', url);
  const items = (await res.json()) as T[];
  return { items, total: Number(res.headers.get('x-total-count') ?? items.length) };
}

export async function call(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<void> {
  await send(method, url, body);
}

/** A change whose answer the portal reads (a created robot's secret, a refreshed secret). */
export async function callJson<T>(method: 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  return (await (await send(method, url, body, headers)).json()) as T;
}

export async function signIn(principal: string, password: string): Promise<void> {
  await send('POST', '/c/login', new URLSearchParams({ principal, password }), { 'content-type': 'application/x-www-form-urlencoded' });
}

export async function signOut(): Promise<void> {
  await send('GET', '/c/log_out');
  csrfToken = undefined;
}
