import { useParams } from 'react-router';
import { splitRepositoryArea } from '../queries';
import { ArtifactPage } from './ArtifactDetail';
import { RepositoryPage } from './Repository';

/** `/projects/:projectId/repositories/<path>` and `…/<path>/-/artifacts/<digest>`. */
export default function RepositoryArea() {
  const { projectId = '', '*': rest = '' } = useParams();
  const { path, artifact } = splitRepositoryArea(rest);
  if (artifact) return <ArtifactPage key={`${path}@${artifact}`} projectId={projectId} path={path} reference={artifact} />;
  return <RepositoryPage key={path} projectId={projectId} path={path} />;
}
