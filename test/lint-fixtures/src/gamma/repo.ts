// HTTP types in a repo.
import type { FastifyRequest } from 'fastify';

export const idOf = (request: FastifyRequest): string => request.id;
