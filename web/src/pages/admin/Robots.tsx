import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Collapse, Form, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../../api/client';
import type { PermissionCatalogue, RobotPermissionRequest } from '../../api/project-models';
import { accessOf, AccessPicker, choiceOf, type AccessChoice } from '../robots/AccessPicker';
import { ProjectSelect } from '../robots/ProjectSelect';
import { RobotForm } from '../robots/RobotForm';
import { RobotList, type RobotDialogProps } from '../robots/RobotList';

/** System robot accounts (`level: system`): administration-wide permissions and permissions over chosen projects. */
export function Robots() {
  return (
    <RobotList
      queryKey={['system-robots']}
      filter="Level=system"
      can={{ create: true, update: true, delete: true }}
      showNamespaces
      dialog={(props) => <SystemRobotForm {...props} />}
    />
  );
}

interface ProjectGrant {
  namespace?: string;
  access?: AccessChoice;
  patterns?: string[];
}

interface SystemPermissionValues {
  system: AccessChoice;
  projects: ProjectGrant[];
}

function SystemRobotForm({ robot, onClose }: RobotDialogProps) {
  const { t } = useTranslation();
  const catalogue = useQuery({ queryKey: ['robot-permissions'], queryFn: () => getJson<PermissionCatalogue>(apiUrl('/permissions')) });
  const systemGrant = robot?.permissions.find((p) => p.kind === 'system');
  const initial: SystemPermissionValues = {
    system: systemGrant ? choiceOf(systemGrant.access) : {},
    projects: (robot?.permissions ?? [])
      .filter((p) => p.kind === 'project')
      .map((p) => ({ namespace: p.namespace, access: choiceOf(p.access), patterns: p.repository_patterns ?? [] })),
  };

  const toPermissions = (values: SystemPermissionValues): RobotPermissionRequest[] | undefined => {
    const permissions: RobotPermissionRequest[] = [];
    const system = accessOf(values.system);
    if (system.length > 0) permissions.push({ kind: 'system', namespace: '/', access: system });
    for (const grant of values.projects ?? []) {
      const access = accessOf(grant.access);
      // A row without a project or without an action grants nothing; the server would refuse it.
      if (!grant.namespace || access.length === 0) return undefined;
      const patterns = (grant.patterns ?? []).map((p) => p.trim()).filter(Boolean);
      permissions.push({ kind: 'project', namespace: grant.namespace, access, repository_patterns: patterns.length > 0 ? patterns : null });
    }
    return permissions.length > 0 ? permissions : undefined;
  };

  return (
    <RobotForm<SystemPermissionValues> level="system" robot={robot} initialPermissions={initial} onClose={onClose} toPermissions={toPermissions}>
      {catalogue.error && <Alert type="error" message={catalogue.error.message} style={{ marginBottom: 16 }} />}
      {catalogue.isLoading && <Typography.Text type="secondary">{t('app.loading')}</Typography.Text>}
      <Typography.Title level={5}>{t('robots.systemPermissions')}</Typography.Title>
      <Collapse
        size="small"
        style={{ marginBottom: 16 }}
        defaultActiveKey={systemGrant ? ['system'] : []}
        items={[
          {
            key: 'system',
            label: t('robots.systemPermissionsHint'),
            forceRender: true,
            children: <AccessPicker catalogue={catalogue.data?.system ?? []} name={['system']} fold={false} testId="system-permissions" />,
          },
        ]}
      />
      <Typography.Title level={5}>{t('robots.projectPermissions')}</Typography.Title>
      <Form.List name="projects">
        {(fields, { add, remove }) => (
          <Space direction="vertical" style={{ width: '100%' }}>
            {fields.map((field, index) => (
              <Card
                key={field.key}
                size="small"
                data-testid={`project-grant-${index}`}
                title={
                  <Form.Item name={[field.name, 'namespace']} noStyle>
                    <ProjectSelect />
                  </Form.Item>
                }
                extra={
                  <Button size="small" danger onClick={() => remove(field.name)}>
                    {t('robots.removeProject')}
                  </Button>
                }
              >
                <AccessPicker catalogue={catalogue.data?.project ?? []} name={[field.name, 'access']} />
                <Form.Item name={[field.name, 'patterns']} label={t('project.robots.patterns')} extra={t('project.robots.patternsHint')} style={{ marginBottom: 0 }}>
                  <Select mode="tags" tokenSeparators={[',', ' ']} open={false} suffixIcon={null} placeholder={t('project.robots.patternsPlaceholder')} />
                </Form.Item>
              </Card>
            ))}
            <Button onClick={() => add({ access: { repository: ['pull'] }, patterns: [] })} data-testid="add-project-grant">
              {t('robots.addProject')}
            </Button>
          </Space>
        )}
      </Form.List>
    </RobotForm>
  );
}
