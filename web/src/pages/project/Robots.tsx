import { useQuery } from '@tanstack/react-query';
import { Alert, Form, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../../api/client';
import type { PermissionCatalogue } from '../../api/project-models';
import { accessOf, AccessPicker, choiceOf, type AccessChoice } from '../robots/AccessPicker';
import { RobotForm } from '../robots/RobotForm';
import { RobotList, type RobotDialogProps } from '../robots/RobotList';
import type { ProjectTabProps } from './shared';

/** The project's robot accounts: create and edit with permissions, refresh the secret, disable or enable, delete. */
export default function Robots({ project, can }: ProjectTabProps) {
  const id = project.project_id;
  return (
    <RobotList
      queryKey={['project-robots', id]}
      filter={`Level=project,ProjectID=${id}`}
      can={{ create: can('robot', 'create'), update: can('robot', 'update'), delete: can('robot', 'delete') }}
      showNamespaces={false}
      dialog={(props) => <ProjectRobotForm projectName={project.name} {...props} />}
    />
  );
}

interface ProjectPermissionValues {
  access: AccessChoice;
  patterns: string[];
}

/** The robot's one permission: actions in this project, optionally only on repositories matching patterns. */
function ProjectRobotForm({ projectName, robot, onClose }: RobotDialogProps & { projectName: string }) {
  const { t } = useTranslation();
  const catalogue = useQuery({ queryKey: ['robot-permissions'], queryFn: () => getJson<PermissionCatalogue>(apiUrl('/permissions')) });
  const current = robot?.permissions[0];
  const initial: ProjectPermissionValues = current
    ? { access: choiceOf(current.access), patterns: current.repository_patterns ?? [] }
    : { access: { repository: ['pull', 'push'] }, patterns: [] };

  return (
    <RobotForm<ProjectPermissionValues>
      level="project"
      robot={robot}
      initialPermissions={initial}
      onClose={onClose}
      toPermissions={(values) => {
        const access = accessOf(values.access);
        if (access.length === 0) return undefined;
        const patterns = (values.patterns ?? []).map((p) => p.trim()).filter(Boolean);
        return [{ kind: 'project', namespace: projectName, access, repository_patterns: patterns.length > 0 ? patterns : null }];
      }}
    >
      <Typography.Title level={5}>{t('project.robots.permissions')}</Typography.Title>
      {catalogue.error && <Alert type="error" message={catalogue.error.message} style={{ marginBottom: 16 }} />}
      {catalogue.isLoading && <Typography.Text type="secondary">{t('app.loading')}</Typography.Text>}
      <AccessPicker catalogue={catalogue.data?.project ?? []} name={['access']} />
      <Form.Item name="patterns" label={t('project.robots.patterns')} extra={t('project.robots.patternsHint')}>
        <Select mode="tags" tokenSeparators={[',', ' ']} open={false} suffixIcon={null} placeholder={t('project.robots.patternsPlaceholder')} />
      </Form.Item>
    </RobotForm>
  );
}
