import { useQuery } from '@tanstack/react-query';
import { Alert, Breadcrumb, Input, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import type { Repository } from '../api/models';
import { formatTime } from './format';
import { repositoryLink } from './repository/links';
import { useListState } from './paging';
import { projectQuery, repositoriesPageQuery } from './queries';
import { useProjectPermissions } from './project/shared';
import { PROJECT_TAB_KEYS, projectTabs } from './project/tabs';
import { PagedTable } from './common/PagedTable';

/** One project; its repositories tab, paged and searched by the server, and the tabs of `./project/` the user's role may see. */
export default function ProjectPage() {
  const { t, i18n } = useTranslation();
  const { projectId = '', tab = 'repositories' } = useParams();
  const navigate = useNavigate();
  const [list, setList] = useListState();
  const project = useQuery(projectQuery(projectId));
  const name = project.data?.name;
  const permissions = useProjectPermissions(project.data?.project_id);
  const tabs = projectTabs(t, project.data, permissions);
  const repositories = useQuery({ ...repositoriesPageQuery(name ?? '', list), enabled: name !== undefined && tab === 'repositories' });

  if (project.error) return <Alert type="error" message={project.error.message} />;
  const unavailable = tab !== 'repositories' && (!PROJECT_TAB_KEYS.includes(tab) || (permissions.loaded && !tabs.some((item) => item.key === tab)));
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Breadcrumb items={[{ title: <Link to="/projects">{t('projects.title')}</Link> }, { title: name ?? '…' }]} />
      <Typography.Title level={2} style={{ margin: 0 }}>
        {name ?? '…'}
      </Typography.Title>
      {unavailable && <Alert type="warning" message={t('project.tabs.unavailable')} />}
      <Tabs
        activeKey={tab}
        destroyOnHidden
        onChange={(key) => void navigate(`/projects/${projectId}/${key}`)}
        items={[
          {
            key: 'repositories',
            label: t('project.repositories'),
            children: (
              <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                <Input.Search
                  allowClear
                  placeholder={t('common.search')}
                  defaultValue={list.search}
                  onSearch={(search) => setList({ search, page: 1 })}
                  style={{ maxWidth: 320 }}
                />
                {repositories.error && <Alert type="error" message={repositories.error.message} />}
                <PagedTable<Repository>
                  rowKey="id"
                  page={repositories}
                  list={list}
                  setList={setList}
                  columns={[
                    {
                      title: t('repositories.name'),
                      dataIndex: 'name',
                      render: (repository: string) => <Link to={repositoryLink(projectId, repository.slice((name ?? '').length + 1))}>{repository}</Link>,
                    },
                    { title: t('repositories.artifacts'), dataIndex: 'artifact_count', align: 'right' },
                    { title: t('repositories.pulls'), dataIndex: 'pull_count', align: 'right' },
                    { title: t('repositories.updated'), dataIndex: 'update_time', render: (time: string) => formatTime(time, i18n.language) },
                  ]}
                />
              </Space>
            ),
          },
          ...tabs,
        ]}
      />
    </Space>
  );
}
