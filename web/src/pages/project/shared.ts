import { useQuery } from '@tanstack/react-query';
import { apiUrl, getJson } from '../../api/client';
import type { Project } from '../../api/models';
import type { CurrentPermission } from '../../api/project-models';

/** What each tab of a project is given: the project and what the signed-in user may do in it. */
export interface ProjectTabProps {
  project: Project;
  can: (resource: string, action: string) => boolean;
}

/** Harbor's role ids, in the order the portal offers them. */
export const ROLE_IDS = [1, 4, 2, 3, 5] as const;

/** The user's permissions in the project (`resource` '.' is the project itself), from GET /users/current/permissions. */
export function useProjectPermissions(projectId: number | undefined) {
  const permissions = useQuery({
    queryKey: ['project-permissions', projectId],
    enabled: projectId !== undefined,
    queryFn: () => getJson<CurrentPermission[]>(apiUrl('/users/current/permissions', {}, { scope: `/project/${projectId ?? 0}`, relative: 'true' })),
  });
  const granted = new Set((permissions.data ?? []).map((p) => `${p.resource}:${p.action}`));
  return { loaded: permissions.data !== undefined, error: permissions.error, can: (resource: string, action: string) => granted.has(`${resource}:${action}`) };
}

export { errorText } from '../../api/client';
