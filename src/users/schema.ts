import { z } from 'zod';
import { InvalidInputError } from '../platform/errors/index.js';

/** Harbor's UserCreationReq. Unknown fields (a `sysadmin_flag`, say) are dropped, as Harbor does. */
export const userCreationSchema = z.object({
  username: z.string(),
  password: z.string(),
  email: z.string().nullish(),
  realname: z.string().nullish(),
  comment: z.string().nullish(),
});
export type UserCreationReq = z.output<typeof userCreationSchema>;

/** Harbor's UserProfile: a field left out keeps its value. */
export const userProfileSchema = z.object({
  email: z.string().nullish(),
  realname: z.string().nullish(),
  comment: z.string().nullish(),
});
export type UserProfileReq = z.output<typeof userProfileSchema>;

/** Harbor's PasswordReq. */
export const passwordSchema = z.object({
  old_password: z.string().optional(),
  new_password: z.string(),
});

/** Harbor's UserSysAdminFlag. */
export const sysadminFlagSchema = z.object({ sysadmin_flag: z.boolean() });

/** The portal's login form. */
export const loginSchema = z.object({ principal: z.string(), password: z.string() });

export { parseBody } from '../platform/http/index.js';

/** A numeric path parameter such as `user_id`. */
export function parseId(value: string, name: string): number {
  const id = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidInputError('input', `${name} must be a positive integer`);
  return id;
}

/** A boolean query parameter (`true`/`false`, `1`/`0`); undefined when absent. */
export function parseBooleanParam(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) throw new InvalidInputError('input', `parameter ${name} given more than once`);
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidInputError('input', `${name} must be true or false`);
}
