import type { User } from '../platform/db/index.js';
import type { UserResp, UserSearchItem } from './shapes.js';

export type { UserResp };

export function toUserResp(user: User): UserResp {
  return {
    user_id: user.id,
    username: user.username,
    email: user.email ?? '',
    realname: user.realname,
    comment: user.comment,
    sysadmin_flag: user.sysadmin_flag === 1,
    // The LDAP or OIDC admin group made the user an admin at the last sign-in.
    admin_role_in_auth: user.group_admin === 1,
    creation_time: new Date(user.created_at).toISOString(),
    update_time: new Date(user.updated_at).toISOString(),
  };
}

/** Harbor's UserSearchRespItem: anyone signed in may search, so no emails or names. */
export function toSearchItem(user: Pick<User, 'id' | 'username'>): UserSearchItem {
  return { user_id: user.id, username: user.username };
}
