import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, Collapse, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, callJson, getJson, getPage } from '../../api/client';
import type { PermissionCatalogue, Robot, RobotCreated } from '../../api/project-models';
import { formatTime } from '../format';
import { pageSizeOptions, useListState } from '../paging';
import { errorText, type ProjectTabProps } from './shared';

interface CreateValues {
  name: string;
  description?: string;
  duration: number;
  patterns?: string[];
  access: Record<string, string[] | undefined>;
}

/** The secret of a robot, shown once. */
interface ShownSecret {
  name: string;
  secret: string;
}

/** The project's robot accounts: create with permissions, refresh the secret, disable or enable, delete. */
export default function Robots({ project, can }: ProjectTabProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<ShownSecret>();
  const id = project.project_id;
  const robots = useQuery({
    queryKey: ['project-robots', id, list],
    queryFn: () =>
      getPage<Robot>(
        apiUrl(
          '/robots',
          {},
          { page: list.page, page_size: list.pageSize, q: `Level=project,ProjectID=${id}${list.search ? `,name=~${list.search.replace(/[,{}()]/g, '')}` : ''}` },
        ),
      ),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['project-robots', id] });
  const robotUrl = (robot: Robot) => apiUrl('/robots/{robot_id}', { robot_id: robot.id });

  const act = async (action: () => Promise<void>) => {
    try {
      await action();
    } catch (failure) {
      void message.error(errorText(failure));
    }
    refresh();
  };

  const expiry = (robot: Robot) => {
    if (robot.expires_at < 0) return <Tag>{t('project.robots.never')}</Tag>;
    const at = new Date(robot.expires_at * 1000);
    if (at.getTime() < Date.now()) return <Tag color="red">{t('project.robots.expired')}</Tag>;
    return formatTime(at.toISOString(), i18n.language);
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        {can('robot', 'create') && (
          <Button type="primary" onClick={() => setCreating(true)} data-testid="new-robot">
            {t('project.robots.new')}
          </Button>
        )}
        <Input.Search
          allowClear
          placeholder={t('common.search')}
          defaultValue={list.search}
          onSearch={(search) => setList({ search, page: 1 })}
          style={{ maxWidth: 320 }}
        />
      </Space>
      {robots.error && <Alert type="error" message={robots.error.message} />}
      <Table<Robot>
        rowKey="id"
        loading={robots.isFetching}
        dataSource={robots.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: list.page,
          pageSize: list.pageSize,
          total: robots.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions,
          showTotal: (count) => t('common.total', { count }),
          onChange: (page, pageSize) => setList({ page, pageSize }),
        }}
        columns={[
          { title: t('project.robots.name'), dataIndex: 'name' },
          {
            title: t('project.robots.status'),
            dataIndex: 'disable',
            render: (disabled: boolean) =>
              disabled ? <Tag color="red">{t('project.robots.disabled')}</Tag> : <Tag color="green">{t('project.robots.enabled')}</Tag>,
          },
          {
            title: t('project.robots.permissions'),
            key: 'permissions',
            render: (_, robot) => {
              const permission = robot.permissions[0];
              if (!permission) return null;
              return (
                <Space direction="vertical" size={0}>
                  <Typography.Text>{permission.access.map((a) => `${a.resource}:${a.action}`).join(', ')}</Typography.Text>
                  {permission.repository_patterns && (
                    <Typography.Text type="secondary">
                      {t('project.robots.onlyRepositories', { patterns: permission.repository_patterns.join(', ') })}
                    </Typography.Text>
                  )}
                </Space>
              );
            },
          },
          { title: t('project.robots.expires'), key: 'expires', render: (_, robot) => expiry(robot) },
          { title: t('project.robots.description'), dataIndex: 'description' },
          { title: t('projects.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          ...(can('robot', 'update') || can('robot', 'delete')
            ? [
                {
                  title: t('projects.actions'),
                  key: 'actions',
                  render: (_: unknown, robot: Robot) => (
                    <Space wrap>
                      {can('robot', 'update') && (
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
                      {can('robot', 'update') && (
                        <Popconfirm
                          title={t(robot.disable ? 'project.robots.enableConfirm' : 'project.robots.disableConfirm', { name: robot.name })}
                          okText={robot.disable ? t('project.robots.enable') : t('project.robots.disable')}
                          cancelText={t('common.cancel')}
                          onConfirm={() => act(() => call('PUT', robotUrl(robot), { disable: !robot.disable }))}
                        >
                          <Button size="small">{robot.disable ? t('project.robots.enable') : t('project.robots.disable')}</Button>
                        </Popconfirm>
                      )}
                      {can('robot', 'delete') && (
                        <Popconfirm
                          title={t('project.robots.deleteConfirm', { name: robot.name })}
                          okText={t('common.delete')}
                          cancelText={t('common.cancel')}
                          okButtonProps={{ danger: true }}
                          onConfirm={() =>
                            act(async () => {
                              await call('DELETE', robotUrl(robot));
                              void message.success(t('project.robots.deleted', { name: robot.name }));
                            })
                          }
                        >
                          <Button danger size="small">
                            {t('common.delete')}
                          </Button>
                        </Popconfirm>
                      )}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {creating && (
        <CreateRobot
          projectName={project.name}
          onClose={(created) => {
            setCreating(false);
            if (created) {
              setShown(created);
              refresh();
            }
          }}
        />
      )}
      <RobotSecret shown={shown} onClose={() => setShown(undefined)} />
    </Space>
  );
}

/** Repository access first; everything else the catalogue allows folded away. */
const FIRST = 'repository';

function CreateRobot({ projectName, onClose }: { projectName: string; onClose: (created?: ShownSecret) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<CreateValues>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const catalogue = useQuery({ queryKey: ['robot-permissions'], queryFn: () => getJson<PermissionCatalogue>(apiUrl('/permissions')) });

  const actions = new Map<string, string[]>();
  for (const { resource, action } of catalogue.data?.project ?? []) actions.set(resource, [...(actions.get(resource) ?? []), action]);
  const resources = [...actions.keys()].sort((a, b) => (a === FIRST ? -1 : b === FIRST ? 1 : a.localeCompare(b)));
  const row = (resource: string) => (
    <Form.Item key={resource} name={['access', resource]} label={resource === '' ? t('project.robots.theProject') : resource} style={{ marginBottom: 8 }}>
      <Checkbox.Group options={(actions.get(resource) ?? []).map((action) => ({ label: action, value: action }))} />
    </Form.Item>
  );

  const submit = async () => {
    const values = await form.validateFields();
    const access = Object.entries(values.access ?? {}).flatMap(([resource, chosen]) => (chosen ?? []).map((action) => ({ resource, action })));
    if (access.length === 0) {
      setError(t('project.robots.noPermission'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const patterns = (values.patterns ?? []).map((p) => p.trim()).filter(Boolean);
      const created = await callJson<RobotCreated>('POST', apiUrl('/robots'), {
        name: values.name.trim(),
        description: values.description ?? '',
        level: 'project',
        duration: values.duration,
        permissions: [{ kind: 'project', namespace: projectName, access, repository_patterns: patterns.length > 0 ? patterns : null }],
      });
      onClose({ name: created.name, secret: created.secret });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      width={720}
      title={t('project.robots.new')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => onClose()}
      destroyOnHidden
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="robot-error" />}
      {catalogue.error && <Alert type="error" message={catalogue.error.message} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" initialValues={{ duration: 30, access: { [FIRST]: ['pull', 'push'] } }}>
        <Form.Item name="name" label={t('project.robots.name')} rules={[{ required: true, whitespace: true, message: t('project.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t('project.robots.description')}>
          <Input />
        </Form.Item>
        <Form.Item name="duration" label={t('project.robots.duration')} rules={[{ required: true, message: t('project.required') }]}>
          <InputNumber min={-1} step={1} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Typography.Title level={5}>{t('project.robots.permissions')}</Typography.Title>
        {catalogue.isLoading && <Typography.Text type="secondary">{t('app.loading')}</Typography.Text>}
        {actions.has(FIRST) && row(FIRST)}
        {resources.length > 1 && (
          <Collapse
            size="small"
            style={{ marginBottom: 16 }}
            items={[{ key: 'more', label: t('project.robots.morePermissions'), forceRender: true, children: resources.filter((r) => r !== FIRST).map(row) }]}
          />
        )}
        <Form.Item name="patterns" label={t('project.robots.patterns')} extra={t('project.robots.patternsHint')}>
          <Select mode="tags" tokenSeparators={[',', ' ']} open={false} suffixIcon={null} placeholder={t('project.robots.patternsPlaceholder')} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The secret, shown once, with a button that copies it. */
function RobotSecret({ shown, onClose }: { shown?: ShownSecret; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown?.secret ?? '');
      void message.success(t('project.robots.copied'));
    } catch {
      void message.error(t('project.robots.copyFailed'));
    }
  };
  return (
    <Modal
      open={shown !== undefined}
      title={t('project.robots.secretTitle', { name: shown?.name ?? '' })}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('project.robots.done')}
        </Button>
      }
      destroyOnHidden
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Alert type="warning" message={t('project.robots.secretOnce')} />
        <Typography.Text strong>{t('project.robots.name')}</Typography.Text>
        <Input readOnly value={shown?.name} data-testid="robot-name" aria-label={t('project.robots.name')} />
        <Typography.Text strong>{t('project.robots.secret')}</Typography.Text>
        <Space.Compact style={{ width: '100%' }}>
          <Input readOnly value={shown?.secret} data-testid="robot-secret" aria-label={t('project.robots.secret')} />
          <Button onClick={() => void copy()} data-testid="copy-secret">
            {t('project.robots.copy')}
          </Button>
        </Space.Compact>
      </Space>
    </Modal>
  );
}
