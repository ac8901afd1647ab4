import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Descriptions, Progress, Row, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../../api/client';
import type { ProjectSummary } from '../../api/project-models';
import { formatBytes } from '../format';
import { type ProjectTabProps } from './shared';

/** Quota, repository count and members by role, from GET /projects/{p}/summary. */
export default function Summary({ project }: ProjectTabProps) {
  const { t } = useTranslation();
  const summary = useQuery({
    queryKey: ['project-summary', project.project_id],
    queryFn: () => getJson<ProjectSummary>(apiUrl('/projects/{project_name_or_id}/summary', { project_name_or_id: project.project_id })),
  });
  if (summary.error) return <Alert type="error" message={summary.error.message} />;
  const data = summary.data;
  const quota = data?.quota;
  const roles: Array<[string, number | undefined]> = [
    [t('project.role.1'), data?.project_admin_count],
    [t('project.role.4'), data?.maintainer_count],
    [t('project.role.2'), data?.developer_count],
    [t('project.role.3'), data?.guest_count],
    [t('project.role.5'), data?.limited_guest_count],
  ];
  const showRoles = data?.project_admin_count !== undefined;
  return (
    <Row gutter={[16, 16]} data-testid="project-summary">
      <Col xs={24} md={8}>
        <Card loading={summary.isLoading}>
          <Statistic title={t('project.summary.repositories')} value={data?.repo_count ?? 0} />
        </Card>
      </Col>
      <Col xs={24} md={16}>
        <Card loading={summary.isLoading} title={t('project.summary.quota')}>
          {quota ? (
            quota.hard.storage < 0 ? (
              <Typography.Text>{t('project.summary.unlimited', { used: formatBytes(quota.used.storage) })}</Typography.Text>
            ) : (
              <Progress
                aria-label={t('project.summary.quota')}
                percent={quota.hard.storage === 0 ? 100 : Math.min(100, Math.round((quota.used.storage / quota.hard.storage) * 100))}
                status={quota.used.storage >= quota.hard.storage ? 'exception' : 'normal'}
                format={() => t('project.summary.usedOf', { used: formatBytes(quota.used.storage), limit: formatBytes(quota.hard.storage) })}
              />
            )
          ) : (
            <Typography.Text type="secondary">{t('project.summary.noQuota')}</Typography.Text>
          )}
        </Card>
      </Col>
      {showRoles && (
        <Col span={24}>
          <Card loading={summary.isLoading} title={t('project.summary.members')}>
            <Descriptions column={{ xs: 1, sm: 2, md: 5 }} items={roles.map(([label, count]) => ({ key: label, label, children: count ?? 0 }))} />
          </Card>
        </Col>
      )}
    </Row>
  );
}
