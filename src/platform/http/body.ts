import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../errors/index.js';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../lib/index.js';

/** A request body checked against its schema; a mismatch is a 400 naming the fields. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? undefined);
  if (result.success) return result.data;
  throw new ApiError('BAD_REQUEST', describeIssues(result.error));
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
      const field = issue.path.map(String).join('.');
      if (!field) return 'the request body must be a JSON object';
      if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `${field} is required`;
      return `invalid ${field}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * The JSON body parser of every route: Fastify's own (prototype poisoning refused), after a
 * one-pass check of the nesting. A body nested thousands of levels parses, but the schema
 * check, a copy or the JSON.stringify that stores it would then overflow the stack: refused
 * as a 400 before any of that runs.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (jsonDeeperThan(bytes, MAX_JSON_DEPTH)) {
      done(new ApiError('BAD_REQUEST', `the request body is JSON nested more than ${MAX_JSON_DEPTH} levels deep`), undefined);
      return;
    }
    parse(request, bytes.toString('utf8'), done);
  });
}
