import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal, Space, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson, getPage } from '../../api/client';
import type { Configurations, User } from '../../api/admin-models';
import { ImportLdapUsers } from './auth/ImportLdapUsers';
import { useCurrentUser } from '../../shell/session';
import { formatTime } from '../format';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { ListToolbar } from '../common/ListToolbar';
import { PagedTable } from '../common/PagedTable';
import { useFormModal } from '../common/useFormModal';
import { useRunAction } from '../common/useRunAction';
import { useListState } from '../paging';
import { containsQuery } from '../paging';

interface NewUser {
  username: string;
  email: string;
  realname: string;
  password: string;
}

/** Users, paged and searched by the server: create, make or unmake administrator, reset password, delete. */
export function Users() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const me = useCurrentUser();
  const [list, setList] = useListState();
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const config = useQuery({ queryKey: ['admin', 'configurations'], queryFn: () => getJson<Configurations>(apiUrl('/configurations')) });
  const ldap = config.data?.auth_mode.value === 'ldap_auth';
  const [resetting, setResetting] = useState<User>();
  const users = useQuery({
    queryKey: ['admin', 'users', list],
    queryFn: () => getPage<User>(apiUrl('/users', {}, { page: list.page, page_size: list.pageSize, q: containsQuery('username', list.search) })),
    placeholderData: keepPreviousData,
  });

  const act = useRunAction(() => queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }));

  const setAdmin = (user: User, admin: boolean) =>
    act(
      () => call('PUT', apiUrl('/users/{user_id}/sysadmin', { user_id: user.user_id }), { sysadmin_flag: admin }),
      t(admin ? 'admin.users.madeAdmin' : 'admin.users.unmadeAdmin', { name: user.username }),
    );
  const remove = (user: User) => act(() => call('DELETE', apiUrl('/users/{user_id}', { user_id: user.user_id })), t('admin.users.deleted', { name: user.username }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ListToolbar list={list} setList={setList} placeholder={t('admin.users.search')}>
        <Button type="primary" onClick={() => setCreating(true)} data-testid="new-user">
          {t('admin.users.new')}
        </Button>
        {ldap && (
          <Button onClick={() => setImporting(true)} data-testid="import-ldap-users">
            {t('ldap.import.button')}
          </Button>
        )}
      </ListToolbar>
      {users.error && <Alert type="error" message={users.error.message} />}
      <PagedTable<User>
        rowKey="user_id"
        page={users}
        list={list}
        setList={setList}
        columns={[
          { title: t('admin.users.username'), dataIndex: 'username' },
          { title: t('admin.users.email'), dataIndex: 'email' },
          { title: t('admin.users.realname'), dataIndex: 'realname' },
          {
            title: t('admin.users.role'),
            key: 'role',
            render: (_, user) => (user.sysadmin_flag ? <Tag color="gold">{t('admin.users.admin')}</Tag> : <Tag>{t('admin.users.regular')}</Tag>),
          },
          { title: t('admin.users.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          {
            title: t('admin.actions'),
            key: 'actions',
            render: (_, user) => (
              <Space wrap>
                <Button size="small" onClick={() => void setAdmin(user, !user.sysadmin_flag)} disabled={user.user_id === me.data?.user_id}>
                  {user.sysadmin_flag ? t('admin.users.unmakeAdmin') : t('admin.users.makeAdmin')}
                </Button>
                <Button size="small" onClick={() => setResetting(user)}>
                  {t('admin.users.resetPassword')}
                </Button>
                <ConfirmDelete
                  title={t('admin.users.deleteConfirm', { name: user.username })}
                  onConfirm={() => remove(user)}
                  disabled={user.user_id === me.data?.user_id}
                />
              </Space>
            ),
          },
        ]}
      />
      <CreateUser
        open={creating}
        onClose={(created) => {
          setCreating(false);
          if (created) {
            void message.success(t('admin.users.createdMessage', { name: created }));
            void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
          }
        }}
      />
      <ResetPassword user={resetting} onClose={() => setResetting(undefined)} />
      <ImportLdapUsers
        open={importing}
        onClose={(imported) => {
          setImporting(false);
          if (imported > 0) {
            void message.success(t('ldap.import.done', { count: imported }));
            void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
          }
        }}
      />
    </Space>
  );
}

/** POST /users; the API's refusal (name taken, weak password) is shown as it words it. */
function CreateUser({ open, onClose }: { open: boolean; onClose: (created?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<NewUser>();
  const { error, save, footer } = useFormModal();
  const required = [{ required: true, message: t('signIn.required') }];

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      await call('POST', apiUrl('/users'), values);
      form.resetFields();
      onClose(values.username);
    });
  };

  return (
    <Modal open={open} title={t('admin.users.new')} {...footer(submit, () => onClose())}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="create-user-error" />}
      <Form form={form} layout="vertical">
        <Form.Item name="username" label={t('admin.users.username')} rules={required}>
          <Input autoFocus autoComplete="off" />
        </Form.Item>
        <Form.Item name="email" label={t('admin.users.email')} rules={[...required, { type: 'email', message: t('admin.users.badEmail') }]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="realname" label={t('admin.users.realname')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="password" label={t('admin.users.password')} rules={required}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** PUT /users/{id}/password with a new password only, as an administrator sets it. */
function ResetPassword({ user, onClose }: { user: User | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ new_password: string }>();
  const { error, setError, save, footer } = useFormModal();

  const submit = async () => {
    if (!user) return;
    const values = await form.validateFields();
    await save(async () => {
      await call('PUT', apiUrl('/users/{user_id}/password', { user_id: user.user_id }), values);
      void message.success(t('admin.users.passwordReset', { name: user.username }));
      form.resetFields();
      onClose();
    });
  };

  return (
    <Modal
      open={user !== undefined}
      title={t('admin.users.resetPasswordOf', { name: user?.username ?? '' })}
      {...footer(submit, () => {
        setError(undefined);
        onClose();
      })}
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="new_password"
          label={t('password.new')}
          rules={[{ required: true, message: t('signIn.required') }]}
          help={error}
          validateStatus={error ? 'error' : undefined}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
