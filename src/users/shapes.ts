import { z } from 'zod';

/** Harbor's UserResp. The password hash never leaves the database layer. */
export const UserRespShape = z.strictObject({
  user_id: z.int(),
  username: z.string(),
  email: z.string(),
  realname: z.string(),
  comment: z.string(),
  sysadmin_flag: z.boolean(),
  admin_role_in_auth: z.boolean(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's UserSearchRespItem: anyone signed in may search, so no emails or names. */
export const UserSearchRespItemShape = z.strictObject({ user_id: z.int(), username: z.string() });

export type UserResp = z.infer<typeof UserRespShape>;
export type UserSearchItem = z.infer<typeof UserSearchRespItemShape>;
