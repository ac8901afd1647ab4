import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiUrl, getJson } from '../api/client';
import type { CurrentUser } from '../api/models';

export const CURRENT_USER_KEY = ['users', 'current'] as const;

/** The signed-in user; its request also brings the session's CSRF token. */
export const currentUserQuery = queryOptions({ queryKey: CURRENT_USER_KEY, queryFn: () => getJson<CurrentUser>(apiUrl('/users/current')) });

export function useCurrentUser() {
  return useQuery(currentUserQuery);
}
