import type { z } from 'zod';
import { ApiError } from '../errors/index.js';

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
