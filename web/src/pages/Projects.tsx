import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { apiUrl, call } from '../api/client';
import type { Project } from '../api/models';
import { useCurrentUser } from '../shell/session';
import { CreateProject } from './CreateProject';
import { formatTime } from './format';
import { ConfirmDelete } from './common/ConfirmDelete';
import { ListToolbar } from './common/ListToolbar';
import { PagedTable } from './common/PagedTable';
import { useRunAction } from './common/useRunAction';
import { useListState } from './paging';
import { projectsPageQuery } from './queries';
import { QuotaBar } from './QuotaBar';

/** Projects the user can see, paged and searched by the server. */
export default function Projects() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const user = useCurrentUser();
  const [list, setList] = useListState();
  const [creating, setCreating] = useState(false);
  const projects = useQuery(projectsPageQuery(list));

  // A refusal says why (repositories left, not allowed) in the API's words.
  const run = useRunAction(() => queryClient.invalidateQueries({ queryKey: ['projects'] }));
  const remove = (project: Project) =>
    run(() => call('DELETE', apiUrl('/projects/{project_name_or_id}', { project_name_or_id: project.project_id })), t('projects.deleted', { name: project.name }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('projects.title')}
      </Typography.Title>
      <ListToolbar list={list} setList={setList}>
        <Button type="primary" onClick={() => setCreating(true)} data-testid="new-project">
          {t('projects.new')}
        </Button>
      </ListToolbar>
      {projects.error && <Alert type="error" message={projects.error.message} />}
      <PagedTable<Project>
        rowKey="project_id"
        page={projects}
        list={list}
        setList={setList}
        columns={[
          {
            title: t('projects.name'),
            dataIndex: 'name',
            render: (name: string, project) => <Link to={`/projects/${project.project_id}/repositories`}>{name}</Link>,
          },
          {
            title: t('projects.access'),
            key: 'access',
            render: (_, project) => (project.metadata.public === 'true' ? <Tag color="green">{t('projects.public')}</Tag> : <Tag>{t('projects.private')}</Tag>),
          },
          { title: t('projects.repositories'), dataIndex: 'repo_count', align: 'right' },
          { title: t('projects.quota'), key: 'quota', render: (_, project) => <QuotaBar projectId={project.project_id} /> },
          { title: t('projects.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          {
            title: t('projects.actions'),
            key: 'actions',
            render: (_, project) => <ConfirmDelete title={t('projects.deleteConfirm', { name: project.name })} onConfirm={() => remove(project)} />,
          },
        ]}
      />
      <CreateProject
        open={creating}
        isAdmin={user.data?.sysadmin_flag === true || user.data?.admin_role_in_auth === true}
        onClose={(created) => {
          setCreating(false);
          if (created) {
            void message.success(t('projects.createdMessage', { name: created }));
            void queryClient.invalidateQueries({ queryKey: ['projects'] });
          }
        }}
      />
    </Space>
  );
}
