/** User groups as the server answers them. */
import type { Definition } from './models';

export type UserGroup = Definition<'UserGroup'>;
export type UserGroupSearchItem = Definition<'UserGroupSearchItem'>;

/** Harbor's group types. */
export const GROUP_TYPES = [1, 2, 3] as const;
export type GroupType = (typeof GROUP_TYPES)[number];
