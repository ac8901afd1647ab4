import type { FastifyRequest } from 'fastify';

/** Who made a request, for the request log line; kept beside the request, not on it. */
const users = new WeakMap<FastifyRequest, string>();

export function setRequestUser(request: FastifyRequest, user: string): void {
  users.set(request, user);
}

export function requestUser(request: FastifyRequest): string | undefined {
  return users.get(request);
}
