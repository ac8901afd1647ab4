import { useParams } from 'react-router';
import { ArtifactPage } from './ArtifactDetail';
import { RepositoryPage } from './Repository';

/** `/projects/:projectId/repositories/<path>` and `…/<path>/-/artifacts/<digest>`. */
export default function RepositoryArea() {
  const { projectId = '', '*': rest = '' } = useParams();
  const [path = '', artifact] = rest.replace(/\/+$/, '').split('/-/artifacts/');
  if (artifact) return <ArtifactPage key={`${path}@${artifact}`} projectId={projectId} path={path} reference={artifact} />;
  return <RepositoryPage key={path} projectId={projectId} path={path} />;
}
