import { z } from 'zod';
import { InvalidInputError } from '../../platform/errors/index.js';

/** Harbor's ping body: `{url, verify_cert}`. */
export const pingSchema = z.object({ url: z.string().min(1).max(2048), verify_cert: z.boolean().optional() });

/** Harbor's OIDCCliSecretReq. */
export const cliSecretSchema = z.object({ secret: z.string() });

/** Harbor's onboarding body. */
export const onboardSchema = z.object({ username: z.string() });

/** A numeric path parameter such as `user_id`. */
export function parseId(value: string, name: string): number {
  const id = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidInputError('input', `${name} must be a positive integer`);
  return id;
}
