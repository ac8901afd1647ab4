import { keepPreviousData, queryOptions, type QueryClient } from '@tanstack/react-query';
import { matchPath } from 'react-router';
import { apiUrl, getJson, getPage } from '../api/client';
import type { Project, Repository } from '../api/models';
import type { Artifact, RepositoryDetail } from '../api/repository-models';
import { listStateFrom, nameQuery, type ListState } from './paging';
import { repositoryParams } from './repository/links';

/**
 * The queries of the three list pages, shared by the pages and by `prefetchPageData`, which
 * starts them while the app's code is still starting so a page's first render has its rows.
 */
export const projectQuery = (projectId: string) =>
  queryOptions({
    queryKey: ['project', projectId],
    queryFn: () => getJson<Project>(apiUrl('/projects/{project_name_or_id}', { project_name_or_id: projectId })),
  });

export const projectsPageQuery = (list: ListState) =>
  queryOptions({
    queryKey: ['projects', list],
    queryFn: () => getPage<Project>(apiUrl('/projects', {}, { page: list.page, page_size: list.pageSize, q: nameQuery(list.search), with_detail: 'true' })),
    placeholderData: keepPreviousData,
  });

export const repositoriesPageQuery = (projectName: string, list: ListState) =>
  queryOptions({
    queryKey: ['repositories', projectName, list],
    queryFn: () =>
      getPage<Repository>(
        apiUrl('/projects/{project_name}/repositories', { project_name: projectName }, { page: list.page, page_size: list.pageSize, q: nameQuery(list.search) }),
      ),
    placeholderData: keepPreviousData,
  });

export const repositoryQuery = (projectName: string, path: string) =>
  queryOptions({
    queryKey: ['repository', projectName, path],
    queryFn: () => getJson<RepositoryDetail>(apiUrl('/projects/{project_name}/repositories/{repository_name}', repositoryParams(projectName, path))),
  });

export const artifactsPageQuery = (projectName: string, path: string, list: ListState) =>
  queryOptions({
    queryKey: ['artifacts', projectName, path, list.page, list.pageSize],
    queryFn: () =>
      getPage<Artifact>(
        apiUrl('/projects/{project_name}/repositories/{repository_name}/artifacts', repositoryParams(projectName, path), {
          page: list.page,
          page_size: list.pageSize,
          with_tag: 'true',
          with_label: 'true',
          // Each artifact's accessories, for the Signed column, and its scan's summary.
          with_accessory: 'true',
          with_scan_overview: 'true',
        }),
      ),
    placeholderData: keepPreviousData,
  });

/** `<path>` and `<path>/-/artifacts/<digest>` after `/projects/:projectId/repositories/`. */
export function splitRepositoryArea(rest: string): { path: string; artifact?: string } {
  const [path = '', artifact] = rest.replace(/\/+$/, '').split('/-/artifacts/');
  return { path, artifact };
}

/** Starts the requests of the list page at `pathname`; what fails is left for the page to show. */
export async function prefetchPageData(client: QueryClient, pathname: string, search: string): Promise<void> {
  const list = listStateFrom(new URLSearchParams(search));
  if (matchPath('/projects', pathname) || pathname === '/') {
    await client.prefetchQuery(projectsPageQuery(list));
    return;
  }
  const repositories = matchPath('/projects/:projectId/repositories', pathname);
  const area = repositories ? undefined : matchPath('/projects/:projectId/repositories/*', pathname);
  const projectId = (repositories ?? area)?.params.projectId;
  if (projectId === undefined) return;
  const project = await client.fetchQuery(projectQuery(projectId)).catch(() => undefined);
  if (!project) return;
  if (repositories) {
    await client.prefetchQuery(repositoriesPageQuery(project.name, list));
    return;
  }
  const { path, artifact } = splitRepositoryArea(decodeURI(area?.params['*'] ?? ''));
  if (artifact || !path) return;
  await Promise.all([client.prefetchQuery(artifactsPageQuery(project.name, path, list)), client.prefetchQuery(repositoryQuery(project.name, path))]);
}
