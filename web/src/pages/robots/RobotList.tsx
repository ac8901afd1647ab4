import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Popconfirm, Space, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, callJson, getPage } from '../../api/client';
import type { Robot, RobotPermission } from '../../api/project-models';
import { formatTime } from '../format';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { ListToolbar } from '../common/ListToolbar';
import { PagedTable } from '../common/PagedTable';
import { useRunAction } from '../common/useRunAction';
import { useListState } from '../paging';
import { RobotSecret, type ShownSecret } from './RobotSecret';

/** The create (no robot) or edit dialog a list opens; it calls back with the new secret, or `saved` after an edit. */
export interface RobotDialogProps {
  robot?: Robot;
  onClose: (created?: ShownSecret, saved?: boolean) => void;
}

/**
 * A page of robot accounts with what may be done to them: create, edit, refresh the secret,
 * disable or enable, delete. Project robots and system robots differ only in the filter
 * (`Level=…` for `GET /robots?q=`), whether each permission names its project, and the dialog.
 */
export function RobotList({
  queryKey,
  filter,
  can,
  showNamespaces,
  dialog,
}: {
  queryKey: readonly unknown[];
  filter: string;
  can: { create: boolean; update: boolean; delete: boolean };
  showNamespaces: boolean;
  /** Returns the dialog element (a component of the caller's, not hooks called here). */
  dialog: (props: RobotDialogProps) => ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [editing, setEditing] = useState<Robot | 'new'>();
  const [shown, setShown] = useState<ShownSecret>();
  const search = list.search.replace(/[,{}()]/g, '').trim();
  const robots = useQuery({
    queryKey: [...queryKey, list],
    queryFn: () => getPage<Robot>(apiUrl('/robots', {}, { page: list.page, page_size: list.pageSize, q: `${filter}${search ? `,name=~${search}` : ''}` })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey });
  const robotUrl = (robot: Robot) => apiUrl('/robots/{robot_id}', { robot_id: robot.id });

  const act = useRunAction(refresh);

  const expiry = (robot: Robot) => {
    if (robot.expires_at < 0) return <Tag>{t('project.robots.never')}</Tag>;
    const at = new Date(robot.expires_at * 1000);
    if (at.getTime() < Date.now()) return <Tag color="red">{t('project.robots.expired')}</Tag>;
    return formatTime(at.toISOString(), i18n.language);
  };

  const namespace = (permission: RobotPermission) => {
    if (permission.kind === 'system') return t('robots.systemNamespace');
    return permission.namespace === '*' ? t('robots.allProjects') : permission.namespace;
  };

  const permissions = (robot: Robot) => (
    <Space direction="vertical" size={0}>
      {robot.permissions.map((permission) => (
        <Space key={`${permission.kind}:${permission.namespace}`} direction="vertical" size={0}>
          <Typography.Text>
            {showNamespaces && <Typography.Text strong>{`${namespace(permission)}: `}</Typography.Text>}
            {permission.access.map((a) => `${a.resource}:${a.action}`).join(', ')}
          </Typography.Text>
          {permission.repository_patterns && (
            <Typography.Text type="secondary">{t('project.robots.onlyRepositories', { patterns: permission.repository_patterns.join(', ') })}</Typography.Text>
          )}
        </Space>
      ))}
    </Space>
  );

  const actions = (robot: Robot) => (
    <Space wrap>
      {can.update && (
        <Button size="small" onClick={() => setEditing(robot)}>
          {t('robots.edit')}
        </Button>
      )}
      {can.update && (
        <Popconfirm
          title={t('project.robots.refreshConfirm', { name: robot.name })}
          okText={t('project.robots.refresh')}
          cancelText={t('common.cancel')}
          onConfirm={() =>
            act(async () => {
              const { secret } = await callJson<{ secret: string }>('PATCH', robotUrl(robot), {});
              setShown({ name: robot.name, secret });
            })
          }
        >
          <Button size="small">{t('project.robots.refresh')}</Button>
        </Popconfirm>
      )}
      {can.update && (
        <Popconfirm
          title={t(robot.disable ? 'project.robots.enableConfirm' : 'project.robots.disableConfirm', { name: robot.name })}
          okText={robot.disable ? t('project.robots.enable') : t('project.robots.disable')}
          cancelText={t('common.cancel')}
          onConfirm={() => act(() => call('PUT', robotUrl(robot), { disable: !robot.disable }))}
        >
          <Button size="small">{robot.disable ? t('project.robots.enable') : t('project.robots.disable')}</Button>
        </Popconfirm>
      )}
      {can.delete && (
        <ConfirmDelete
          title={t('project.robots.deleteConfirm', { name: robot.name })}
          onConfirm={() => act(() => call('DELETE', robotUrl(robot)), t('project.robots.deleted', { name: robot.name }))}
        />
      )}
    </Space>
  );

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ListToolbar list={list} setList={setList}>
        {can.create && (
          <Button type="primary" onClick={() => setEditing('new')} data-testid="new-robot">
            {t('project.robots.new')}
          </Button>
        )}
      </ListToolbar>
      {robots.error && <Alert type="error" message={robots.error.message} />}
      <PagedTable<Robot>
        rowKey="id"
        page={robots}
        list={list}
        setList={setList}
        columns={[
          { title: t('project.robots.name'), dataIndex: 'name' },
          {
            title: t('project.robots.status'),
            dataIndex: 'disable',
            render: (disabled: boolean) =>
              disabled ? <Tag color="red">{t('project.robots.disabled')}</Tag> : <Tag color="green">{t('project.robots.enabled')}</Tag>,
          },
          { title: t('project.robots.permissions'), key: 'permissions', render: (_, robot) => permissions(robot) },
          { title: t('project.robots.expires'), key: 'expires', render: (_, robot) => expiry(robot) },
          { title: t('project.robots.description'), dataIndex: 'description' },
          { title: t('projects.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          ...(can.update || can.delete ? [{ title: t('projects.actions'), key: 'actions', render: (_: unknown, robot: Robot) => actions(robot) }] : []),
        ]}
      />
      {editing !== undefined &&
        dialog({
          robot: editing === 'new' ? undefined : editing,
          onClose: (created, saved) => {
            setEditing(undefined);
            if (created) setShown(created);
            if (created || saved) refresh();
          },
        })}
      <RobotSecret shown={shown} onClose={() => setShown(undefined)} />
    </Space>
  );
}
