import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Radio, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import type { ProjectMember } from '../../api/project-models';
import { pageSizeOptions, useListState } from '../paging';
import { errorText, ROLE_IDS, type ProjectTabProps } from './shared';

interface AddValues {
  username: string;
  role_id: number;
}

/** The project's members, paged by the server: add a user, change a member's role, remove a member. */
export default function Members({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [adding, setAdding] = useState(false);
  const [changing, setChanging] = useState<ProjectMember>();
  const id = project.project_id;
  const members = useQuery({
    queryKey: ['project-members', id, list],
    queryFn: () =>
      getPage<ProjectMember>(
        apiUrl('/projects/{project_name_or_id}/members', { project_name_or_id: id }, { page: list.page, page_size: list.pageSize, entityname: list.search }),
      ),
    placeholderData: keepPreviousData,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['project-members', id] });
    void queryClient.invalidateQueries({ queryKey: ['project-summary', id] });
  };

  const remove = async (member: ProjectMember) => {
    try {
      await call('DELETE', apiUrl('/projects/{project_name_or_id}/members/{mid}', { project_name_or_id: id, mid: member.id }));
      void message.success(t('project.members.removed', { name: member.entity_name }));
    } catch (failure) {
      void message.error(errorText(failure));
    }
    refresh();
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        {can('member', 'create') && (
          <Button type="primary" onClick={() => setAdding(true)} data-testid="add-member">
            {t('project.members.add')}
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
      {members.error && <Alert type="error" message={members.error.message} />}
      <Table<ProjectMember>
        rowKey="id"
        loading={members.isFetching}
        dataSource={members.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: list.page,
          pageSize: list.pageSize,
          total: members.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions,
          showTotal: (count) => t('common.total', { count }),
          onChange: (page, pageSize) => setList({ page, pageSize }),
        }}
        columns={[
          { title: t('project.members.name'), dataIndex: 'entity_name' },
          {
            title: t('project.members.type'),
            dataIndex: 'entity_type',
            render: (type: string) => (type === 'g' ? t('project.members.group') : t('project.members.user')),
          },
          { title: t('project.members.role'), dataIndex: 'role_id', render: (role: number) => <Tag>{t(`project.role.${role}`)}</Tag> },
          {
            title: t('project.members.patterns'),
            dataIndex: 'repository_patterns',
            render: (patterns: string[] | null) => (patterns ? patterns.map((p) => <Tag key={p}>{p}</Tag>) : t('project.members.wholeProject')),
          },
          ...(can('member', 'update') || can('member', 'delete')
            ? [
                {
                  title: t('projects.actions'),
                  key: 'actions',
                  render: (_: unknown, member: ProjectMember) => (
                    <Space>
                      {can('member', 'update') && (
                        <Button size="small" onClick={() => setChanging(member)}>
                          {t('project.members.changeRole')}
                        </Button>
                      )}
                      {can('member', 'delete') && (
                        <Popconfirm
                          title={t('project.members.removeConfirm', { name: member.entity_name })}
                          okText={t('project.members.remove')}
                          cancelText={t('common.cancel')}
                          okButtonProps={{ danger: true }}
                          onConfirm={() => remove(member)}
                        >
                          <Button danger size="small">
                            {t('project.members.remove')}
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
      <AddMember
        open={adding}
        projectId={id}
        onClose={(added) => {
          setAdding(false);
          if (added) {
            void message.success(t('project.members.added', { name: added }));
            refresh();
          }
        }}
      />
      <ChangeRole
        member={changing}
        projectId={id}
        onClose={(changed) => {
          setChanging(undefined);
          if (changed) {
            void message.success(t('project.members.roleChanged', { name: changed }));
            refresh();
          }
        }}
      />
    </Space>
  );
}

/** The role radios; Form.Item hands it the value and onChange. */
function RoleChoice({ value, onChange }: { value?: number; onChange?: (role: number) => void }) {
  const { t } = useTranslation();
  return (
    <Radio.Group value={value} onChange={(event) => onChange?.(Number(event.target.value))}>
      <Space direction="vertical">
        {ROLE_IDS.map((role) => (
          <Radio key={role} value={role}>
            {t(`project.role.${role}`)}
          </Radio>
        ))}
      </Space>
    </Radio.Group>
  );
}

function AddMember({ open, projectId, onClose }: { open: boolean; projectId: number; onClose: (added?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<AddValues>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(undefined);
    try {
      await call('POST', apiUrl('/projects/{project_name_or_id}/members', { project_name_or_id: projectId }), {
        role_id: values.role_id,
        member_user: { username: values.username.trim() },
      });
      form.resetFields();
      onClose(values.username.trim());
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('project.members.add')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => {
        setError(undefined);
        onClose();
      }}
      destroyOnHidden
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="member-error" />}
      <Form form={form} layout="vertical" initialValues={{ role_id: 2 }}>
        <Form.Item name="username" label={t('project.members.username')} rules={[{ required: true, whitespace: true, message: t('project.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="role_id" label={t('project.members.role')}>
          <RoleChoice />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ChangeRole({ member, projectId, onClose }: { member?: ProjectMember; projectId: number; onClose: (changed?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ role_id: number }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    if (!member) return;
    const { role_id } = await form.validateFields();
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/projects/{project_name_or_id}/members/{mid}', { project_name_or_id: projectId, mid: member.id }), { role_id });
      onClose(member.entity_name);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={member !== undefined}
      title={t('project.members.changeRoleOf', { name: member?.entity_name ?? '' })}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => {
        setError(undefined);
        onClose();
      }}
      destroyOnHidden
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="member-error" />}
      {member && (
        <Form form={form} layout="vertical" initialValues={{ role_id: member.role_id }}>
          <Form.Item name="role_id" label={t('project.members.role')}>
            <RoleChoice />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
