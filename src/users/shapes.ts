import { z } from 'zod';

/** Harbor's OIDCUserInfo: who the user is at the OIDC provider, and their CLI secret. */
export const OIDCUserInfoShape = z.strictObject({
  id: z.int(),
  user_id: z.int(),
  subiss: z.string(),
  secret: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's UserResp. The password hash never leaves the database layer. */
export const UserRespShape = z.strictObject({
  user_id: z.int(),
  username: z.string(),
  email: z.string(),
  realname: z.string(),
  comment: z.string(),
  sysadmin_flag: z.boolean(),
  admin_role_in_auth: z.boolean(),
  /** Users who signed in through OIDC, in their own `GET /users/current` only. */
  oidc_user_meta: OIDCUserInfoShape.optional(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's UserSearchRespItem: anyone signed in may search, so no emails or names. */
export const UserSearchRespItemShape = z.strictObject({ user_id: z.int(), username: z.string() });

export type UserResp = z.infer<typeof UserRespShape>;
export type OidcUserMetaJson = z.infer<typeof OIDCUserInfoShape>;
export type UserSearchItem = z.infer<typeof UserSearchRespItemShape>;
