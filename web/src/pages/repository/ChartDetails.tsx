import { useQuery } from '@tanstack/react-query';
import { Card, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { apiUrl, getJson } from '../../api/client';
import type { Artifact } from '../../api/repository-models';
import { artifactLink, NotYet, repositoryParams, TimeText, useRegistryHost } from './shared';

const ARTIFACTS = '/projects/{project_name}/repositories/{repository_name}/artifacts';
const ADDITION = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}';

interface ChartDependency {
  name?: string;
  version?: string;
  repository?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a chart's page adds to an artifact's: both ways to install it (the classic repository at
 * /chartrepo/{project}, and OCI), its dependencies, and the other versions of the chart.
 */
export function ChartDetails({ projectId, projectName, path, artifact }: { projectId: string; projectName: string; path: string; artifact: Artifact }) {
  const { t } = useTranslation();
  const host = useRegistryHost();
  const attrs = artifact.extra_attrs ?? {};
  const chart = text(attrs.name) ?? path.split('/').pop() ?? path;
  const version = text(attrs.version) ?? artifact.tags?.[0]?.name ?? '';
  const params = repositoryParams(projectName, path);
  const repoUrl = `${location.protocol}//${host}/chartrepo/${projectName}`;
  const classic = [`helm repo add ${projectName} ${repoUrl}`, `helm install my-${chart} ${projectName}/${chart} --version ${version}`].join('\n');
  const oci = `helm install my-${chart} oci://${host}/${artifact.repository_name} --version ${version}`;
  const tooltips = [t('repository.copy'), t('repository.copied')];
  const dependencies = useQuery({
    queryKey: ['addition', projectName, path, artifact.digest, 'dependencies'],
    queryFn: () => getJson<ChartDependency[]>(apiUrl(ADDITION, { ...params, reference: artifact.digest, addition: 'dependencies' })),
    enabled: Boolean(artifact.addition_links?.dependencies),
  });
  const versions = useQuery({
    queryKey: ['chart-versions', projectName, path],
    queryFn: () => getJson<Artifact[]>(apiUrl(ARTIFACTS, params, { q: 'type=CHART', page_size: 100, with_tag: 'true', sort: '-push_time' })),
  });
  return (
    <>
      <Card size="small" title={t('charts.install')} data-testid="chart-install">
        <Typography.Text type="secondary">{t('charts.classic')}</Typography.Text>
        <Typography.Paragraph code copyable={{ text: classic, tooltips }} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="helm-repo-add">
          {classic}
        </Typography.Paragraph>
        <Typography.Text type="secondary">{t('charts.oci')}</Typography.Text>
        <Typography.Paragraph code copyable={{ text: oci, tooltips }} style={{ margin: 0, wordBreak: 'break-all' }} data-testid="helm-install-oci">
          {oci}
        </Typography.Paragraph>
      </Card>
      <Card size="small" title={t('charts.versions', { chart })}>
        <Table<Artifact>
          rowKey="digest"
          size="small"
          pagination={false}
          loading={versions.isPending}
          dataSource={versions.data ?? []}
          scroll={{ x: 'max-content' }}
          data-testid="chart-versions"
          columns={[
            {
              title: t('charts.version'),
              key: 'version',
              render: (_, row) => {
                const label = text(row.extra_attrs?.version) ?? row.tags?.[0]?.name ?? row.digest;
                return row.digest === artifact.digest ? <Tag color="blue">{label}</Tag> : <Link to={artifactLink(projectId, path, row.digest)}>{label}</Link>;
              },
            },
            { title: t('charts.appVersion'), key: 'app', render: (_, row) => text(row.extra_attrs?.appVersion) ?? <NotYet /> },
            { title: t('repository.pushTime'), key: 'push', render: (_, row) => <TimeText time={row.push_time} /> },
          ]}
        />
      </Card>
      {artifact.addition_links?.dependencies && (
        <Card size="small" title={t('charts.dependencies')}>
          <Table<ChartDependency>
            rowKey={(d) => `${d.name}@${d.version}`}
            size="small"
            pagination={false}
            loading={dependencies.isPending}
            dataSource={dependencies.data ?? []}
            scroll={{ x: 'max-content' }}
            data-testid="chart-dependencies"
            locale={{ emptyText: t('charts.noDependencies') }}
            columns={[
              { title: t('charts.name'), dataIndex: 'name' },
              { title: t('charts.version'), dataIndex: 'version' },
              { title: t('charts.repository'), dataIndex: 'repository', render: (value: string | undefined) => value || <NotYet /> },
            ]}
          />
        </Card>
      )}
    </>
  );
}
