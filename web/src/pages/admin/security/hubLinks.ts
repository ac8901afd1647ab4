import { artifactLink, repositoryLink } from '../../repository/links';

/** The hub names repositories in full (`project/path`); the portal's links take the path inside the project. */
function pathInProject(repositoryName: string): string {
  return repositoryName.split('/').slice(1).join('/');
}

export function hubRepositoryLink(projectId: number, repositoryName: string): string {
  return repositoryLink(projectId, pathInProject(repositoryName));
}

export function hubArtifactLink(projectId: number, repositoryName: string, digest: string): string {
  return artifactLink(projectId, pathInProject(repositoryName), digest);
}

/** `sha256:` and the first twelve hex digits, as Harbor's lists show a digest. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 19);
}
