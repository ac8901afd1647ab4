/** Product names of the adapters (Harbor's labels); a type Berth does not know shows as it is. */
const PROVIDER_NAMES: Record<string, string> = {
  harbor: 'Harbor',
  'docker-hub': 'Docker Hub',
  'docker-registry': 'Docker Registry',
  quay: 'Quay',
  'github-ghcr': 'GitHub GHCR',
  gitlab: 'GitLab',
  'jfrog-artifactory': 'JFrog Artifactory',
};

export function providerName(type: string): string {
  return PROVIDER_NAMES[type] ?? type;
}
