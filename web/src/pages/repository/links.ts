/** The API's path parameters: the repository name is escaped twice, as Harbor's clients send it. */
export function repositoryParams(projectName: string, path: string): Record<string, string> {
  return { project_name: projectName, repository_name: encodeURIComponent(path) };
}

/** A repository's path inside its project (`hello`, `team/app`) in a portal link: each part encoded, slashes kept. */
export function repositoryLink(projectId: string | number, path: string): string {
  return `/projects/${projectId}/repositories/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** `/-/` cannot be part of a repository name (each part starts with a letter or digit), so it separates the artifact. */
export function artifactLink(projectId: string | number, path: string, digest: string): string {
  return `${repositoryLink(projectId, path)}/-/artifacts/${encodeURIComponent(digest)}`;
}
