import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api/index.js';

/** Browser sign-in outside /api/v2.0: POST /c/login, GET /c/log_out. */
export function registerSessionRoutes(_app: FastifyInstance, _deps: ApiDeps): void {}
