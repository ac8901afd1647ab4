import { LabelManager } from '../labels/LabelManager';
import type { ProjectTabProps } from './shared';

/** The project's labels: create, edit, delete, as the user's role allows. */
export default function Labels({ project, can }: ProjectTabProps) {
  return <LabelManager scope={{ kind: 'project', projectId: project.project_id }} can={can} />;
}
