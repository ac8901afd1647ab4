import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';

/**
 * What the request log line tells about a request besides its method and status: who made it,
 * which project it concerned, and which route answered it. Kept beside the request, not on it;
 * set by the adapters (API authentication, the registry) as they learn it.
 */
export interface RequestContext {
  user?: string;
  project?: string;
  /** The route pattern, when the framework's own (`/v2/*`) says less than the adapter knows. */
  route?: string;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

function context(request: FastifyRequest): RequestContext {
  let found = contexts.get(request);
  if (!found) {
    found = {};
    contexts.set(request, found);
  }
  return found;
}

export function setRequestUser(request: FastifyRequest, user: string): void {
  context(request).user = user;
}

export function requestUser(request: FastifyRequest): string | undefined {
  return contexts.get(request)?.user;
}

/** The project the request concerned (by name). */
export function setRequestProject(request: FastifyRequest, project: string): void {
  context(request).project = project;
}

export function setRequestRoute(request: FastifyRequest, route: string): void {
  context(request).route = route;
}

/** The route pattern of each Distribution API endpoint, by the registry's route kind. */
const REGISTRY_ROUTES: Record<string, string> = {
  base: '/v2/',
  catalog: '/v2/_catalog',
  tags: '/v2/:name/tags/list',
  manifest: '/v2/:name/manifests/:reference',
  blob: '/v2/:name/blobs/:digest',
  uploads: '/v2/:name/blobs/uploads/',
  upload: '/v2/:name/blobs/uploads/:uuid',
  referrers: '/v2/:name/referrers/:digest',
};

/**
 * A /v2/ request, matched by the registry itself: its route pattern, and the project named by
 * the repository's first path component.
 */
export function setRegistryRoute(request: FastifyRequest, route: { kind: string; name?: string }): void {
  const found = context(request);
  found.route = REGISTRY_ROUTES[route.kind] ?? `/v2/${route.kind}`;
  const slash = route.name?.indexOf('/') ?? -1;
  if (route.name && slash > 0) found.project = route.name.slice(0, slash);
}

/** The request's context with the framework's route pattern as the fallback. */
export function requestContext(request: FastifyRequest): Readonly<RequestContext> {
  const found = contexts.get(request) ?? {};
  return { ...found, route: found.route ?? request.routeOptions.url };
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest request id taken from a proxy; longer ones are replaced. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Visible ASCII only: an id ends up in log lines and response headers verbatim. */
const VALID_REQUEST_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_REQUEST_ID_LENGTH}}$`);

export function isValidRequestId(value: string): boolean {
  return VALID_REQUEST_ID.test(value);
}

/**
 * The request's id (Fastify's `genReqId`): the `X-Request-Id` a proxy in front already gave it,
 * when that is a sane value, so the proxy's and Berth's logs can be joined; otherwise a new one.
 */
export function requestId(raw: IncomingMessage): string {
  const given = raw.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && isValidRequestId(given)) return given;
  return randomUUID();
}
