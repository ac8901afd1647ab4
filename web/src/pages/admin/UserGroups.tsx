import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal, Radio, Segmented, Space, Tag } from 'antd';
import { useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import { GROUP_TYPES, type GroupType, type UserGroup } from '../../api/usergroups-models';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { ListToolbar } from '../common/ListToolbar';
import { PagedTable } from '../common/PagedTable';
import { useFormModal } from '../common/useFormModal';
import { useRunAction } from '../common/useRunAction';
import { useListState } from '../paging';

interface NewGroup {
  group_type: GroupType;
  group_name?: string;
  ldap_group_dn?: string;
}

/** The radios of the group types; Form.Item hands them the value and onChange. */
export function GroupTypeChoice({ value, onChange }: { value?: GroupType; onChange?: (type: GroupType) => void }) {
  const { t } = useTranslation();
  return (
    <Radio.Group value={value} onChange={(event) => onChange?.(event.target.value as GroupType)}>
      {GROUP_TYPES.map((type) => (
        <Radio key={type} value={type}>
          {t(`usergroups.type.${type}`)}
        </Radio>
      ))}
    </Radio.Group>
  );
}

/** The Users tab shows users or user groups, each at its own URL (`/admin/users`, `/admin/usergroups`). */
export function UsersOrGroups({ active, children }: { active: 'users' | 'usergroups'; children: ReactNode }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Segmented<'users' | 'usergroups'>
        value={active}
        onChange={(key) => void navigate(`/admin/${key}`)}
        options={[
          { value: 'users', label: t('usergroups.switch.users') },
          { value: 'usergroups', label: t('usergroups.tab') },
        ]}
        data-testid="users-or-groups"
      />
      {children}
    </Space>
  );
}

/** User groups, paged and searched by the server: add one, rename it, delete it with its project memberships. */
export function UserGroups() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<UserGroup>();
  const groups = useQuery({
    queryKey: ['admin', 'usergroups', list],
    queryFn: () => getPage<UserGroup>(apiUrl('/usergroups', {}, { page: list.page, page_size: list.pageSize, group_name: list.search })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'usergroups'] });
  const act = useRunAction(refresh);
  const remove = (group: UserGroup) =>
    act(() => call('DELETE', apiUrl('/usergroups/{group_id}', { group_id: group.id })), t('usergroups.deleted', { name: group.group_name }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Alert type="info" showIcon message={t('usergroups.intro')} />
      <ListToolbar list={list} setList={setList} placeholder={t('usergroups.search')}>
        <Button type="primary" onClick={() => setCreating(true)} data-testid="new-usergroup">
          {t('usergroups.new')}
        </Button>
      </ListToolbar>
      {groups.error && <Alert type="error" message={groups.error.message} />}
      <PagedTable<UserGroup>
        rowKey="id"
        page={groups}
        list={list}
        setList={setList}
        columns={[
          { title: t('usergroups.name'), dataIndex: 'group_name' },
          { title: t('usergroups.typeTitle'), dataIndex: 'group_type', render: (type: number) => <Tag>{t(`usergroups.type.${type}`)}</Tag> },
          { title: t('usergroups.dn'), dataIndex: 'ldap_group_dn', render: (dn: string) => dn || '—' },
          {
            title: t('admin.actions'),
            key: 'actions',
            render: (_, group) => (
              <Space wrap>
                <Button size="small" onClick={() => setRenaming(group)}>
                  {t('usergroups.rename')}
                </Button>
                <ConfirmDelete
                  title={t('usergroups.deleteConfirm', { name: group.group_name })}
                  description={t('usergroups.deleteDetail')}
                  onConfirm={() => remove(group)}
                />
              </Space>
            ),
          },
        ]}
      />
      <CreateGroup
        open={creating}
        onClose={(created) => {
          setCreating(false);
          if (created) {
            void message.success(t('usergroups.created', { name: created }));
            void refresh();
          }
        }}
      />
      <RenameGroup
        group={renaming}
        onClose={(renamed) => {
          setRenaming(undefined);
          if (renamed) {
            void message.success(t('usergroups.renamed', { name: renamed }));
            void refresh();
          }
        }}
      />
    </Space>
  );
}

/** POST /usergroups: an LDAP group by its DN (the name defaults to the DN's first value), the others by name. */
function CreateGroup({ open, onClose }: { open: boolean; onClose: (created?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<NewGroup>();
  const type = Form.useWatch('group_type', form) ?? 2;
  const { error, setError, save, footer } = useFormModal();

  const submit = async () => {
    const values = await form.validateFields();
    const name = values.group_name?.trim();
    const body =
      type === 1 ? { group_type: 1, ldap_group_dn: values.ldap_group_dn?.trim(), ...(name ? { group_name: name } : {}) } : { group_type: type, group_name: name };
    await save(async () => {
      await call('POST', apiUrl('/usergroups'), body);
      form.resetFields();
      onClose(name || values.ldap_group_dn?.trim());
    });
  };

  return (
    <Modal
      open={open}
      title={t('usergroups.new')}
      {...footer(submit, () => {
        setError(undefined);
        onClose();
      })}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="usergroup-error" />}
      <Form form={form} layout="vertical" initialValues={{ group_type: 2 }}>
        <Form.Item name="group_type" label={t('usergroups.typeTitle')}>
          <GroupTypeChoice />
        </Form.Item>
        {type === 1 && (
          <Form.Item
            name="ldap_group_dn"
            label={t('usergroups.dn')}
            extra={t('usergroups.dnHelp')}
            rules={[{ required: true, whitespace: true, message: t('usergroups.required') }]}
          >
            <Input autoComplete="off" placeholder="cn=developers,ou=groups,dc=example,dc=com" />
          </Form.Item>
        )}
        <Form.Item
          name="group_name"
          label={t('usergroups.name')}
          extra={type === 1 ? t('usergroups.ldapNameHelp') : t(`usergroups.nameHelp.${type}`)}
          rules={type === 1 ? [] : [{ required: true, whitespace: true, message: t('usergroups.required') }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** PUT /usergroups/{id} with a new name. */
function RenameGroup({ group, onClose }: { group: UserGroup | undefined; onClose: (renamed?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ group_name: string }>();
  const { error, setError, save, footer } = useFormModal();

  const submit = async () => {
    if (!group) return;
    const { group_name } = await form.validateFields();
    await save(async () => {
      await call('PUT', apiUrl('/usergroups/{group_id}', { group_id: group.id }), { group_name: group_name.trim() });
      onClose(group_name.trim());
    });
  };

  return (
    <Modal
      open={group !== undefined}
      title={t('usergroups.renameTitle', { name: group?.group_name ?? '' })}
      {...footer(submit, () => {
        setError(undefined);
        onClose();
      })}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="usergroup-error" />}
      {group && (
        <Form form={form} layout="vertical" initialValues={{ group_name: group.group_name }}>
          <Form.Item
            name="group_name"
            label={t('usergroups.name')}
            extra={group.group_type === 1 ? undefined : t('usergroups.renameHelp')}
            rules={[{ required: true, whitespace: true, message: t('usergroups.required') }]}
          >
            <Input autoFocus autoComplete="off" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
