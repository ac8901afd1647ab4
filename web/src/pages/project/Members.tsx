import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal, Radio, Space, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import type { ProjectMember } from '../../api/project-models';
import type { GroupType } from '../../api/usergroups-models';
import { GroupTypeChoice } from '../admin/UserGroups';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { ListToolbar } from '../common/ListToolbar';
import { PagedTable } from '../common/PagedTable';
import { useFormModal } from '../common/useFormModal';
import { useRunAction } from '../common/useRunAction';
import { useListState, type ListState } from '../paging';
import { errorText, ROLE_IDS, type ProjectTabProps } from './shared';

interface AddValues {
  username: string;
  role_id: number;
}

/**
 * The project's members, paged by the server: add a user, change the role of one member or of the
 * selected ones, remove one member or the selected ones.
 */
export default function Members({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [adding, setAdding] = useState(false);
  const [addingGroup, setAddingGroup] = useState(false);
  const [changing, setChanging] = useState<ProjectMember[]>();
  const [selected, setSelected] = useState<ProjectMember[]>([]);
  const [batchError, setBatchError] = useState<string>();
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
    setSelected([]);
    void queryClient.invalidateQueries({ queryKey: ['project-members', id] });
    void queryClient.invalidateQueries({ queryKey: ['project-summary', id] });
  };

  const run = useRunAction(refresh);
  const remove = (member: ProjectMember) => run(() => call('DELETE', memberUrl(id, member)), t('project.members.removed', { name: member.entity_name }));
  // Another page or search shows other members: the selection does not carry over.
  const setListClearing = (next: Partial<ListState>) => {
    setSelected([]);
    setList(next);
  };

  const removeSelected = async () => {
    setBatchError(undefined);
    const failures = await eachMember(selected, (member) => call('DELETE', memberUrl(id, member)));
    const removed = selected.length - failures.length;
    if (removed > 0) void message.success(t('project.members.removedMany', { count: removed }));
    if (failures.length) setBatchError(failures.join('\n'));
    refresh();
  };
  const changeable = can('member', 'update') || can('member', 'delete');

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ListToolbar list={list} setList={setListClearing}>
        {can('member', 'create') && (
          <Button type="primary" onClick={() => setAdding(true)} data-testid="add-member">
            {t('project.members.add')}
          </Button>
        )}
        {can('member', 'create') && (
          <Button onClick={() => setAddingGroup(true)} data-testid="add-group-member">
            {t('usergroups.member.add')}
          </Button>
        )}
        {can('member', 'update') && (
          <Button disabled={selected.length === 0} onClick={() => setChanging(selected)} data-testid="change-selected-roles">
            {t('project.members.changeSelected', { count: selected.length })}
          </Button>
        )}
        {can('member', 'delete') && (
          <ConfirmDelete
            title={t('project.members.removeSelectedConfirm', { count: selected.length })}
            okText={t('project.members.remove')}
            label={t('project.members.removeSelected', { count: selected.length })}
            size="middle"
            disabled={selected.length === 0}
            onConfirm={() => removeSelected()}
            testId="remove-selected-members"
          />
        )}
      </ListToolbar>
      {members.error && <Alert type="error" message={members.error.message} />}
      {batchError && (
        <Alert
          type="error"
          message={<span style={{ whiteSpace: 'pre-line' }}>{batchError}</span>}
          closable
          onClose={() => setBatchError(undefined)}
          data-testid="members-batch-error"
        />
      )}
      <PagedTable<ProjectMember>
        rowKey="id"
        page={members}
        list={list}
        setList={setListClearing}
        rowSelection={
          changeable ? { selectedRowKeys: selected.map((member) => member.id), onChange: (_keys, rows) => setSelected(rows), columnWidth: 48 } : undefined
        }
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
          ...(changeable
            ? [
                {
                  title: t('projects.actions'),
                  key: 'actions',
                  render: (_: unknown, member: ProjectMember) => (
                    <Space>
                      {can('member', 'update') && (
                        <Button size="small" onClick={() => setChanging([member])}>
                          {t('project.members.changeRole')}
                        </Button>
                      )}
                      {can('member', 'delete') && (
                        <ConfirmDelete
                          title={t('project.members.removeConfirm', { name: member.entity_name })}
                          label={t('project.members.remove')}
                          onConfirm={() => remove(member)}
                        />
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
      <AddGroupMember
        open={addingGroup}
        projectId={id}
        onClose={(added) => {
          setAddingGroup(false);
          if (added) {
            void message.success(t('usergroups.member.added', { name: added }));
            refresh();
          }
        }}
      />
      <ChangeRole
        members={changing}
        projectId={id}
        onClose={(changed) => {
          setChanging(undefined);
          if (changed) {
            void message.success(
              changed.length === 1
                ? t('project.members.roleChanged', { name: changed[0]?.entity_name })
                : t('project.members.rolesChanged', { count: changed.length }),
            );
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
  const { error, setError, save, footer } = useFormModal();

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      await call('POST', apiUrl('/projects/{project_name_or_id}/members', { project_name_or_id: projectId }), {
        role_id: values.role_id,
        member_user: { username: values.username.trim() },
      });
      form.resetFields();
      onClose(values.username.trim());
    });
  };

  return (
    <Modal
      open={open}
      title={t('project.members.add')}
      {...footer(submit, () => {
        setError(undefined);
        onClose();
      })}
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

/**
 * Adds a group as a member: an LDAP group by its DN, an HTTP or OIDC group by its name. A group
 * Berth has not seen yet is created, as Harbor does; its users get the role at their next sign-in.
 */
function AddGroupMember({ open, projectId, onClose }: { open: boolean; projectId: number; onClose: (added?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ group_type: GroupType; name: string; role_id: number }>();
  const type = Form.useWatch('group_type', form) ?? 2;
  const { error, setError, save, footer } = useFormModal();

  const submit = async () => {
    const values = await form.validateFields();
    const name = values.name.trim();
    await save(async () => {
      await call('POST', apiUrl('/projects/{project_name_or_id}/members', { project_name_or_id: projectId }), {
        role_id: values.role_id,
        member_group: type === 1 ? { group_type: 1, ldap_group_dn: name } : { group_type: type, group_name: name },
      });
      form.resetFields();
      onClose(name);
    });
  };

  return (
    <Modal
      open={open}
      title={t('usergroups.member.add')}
      {...footer(submit, () => {
        setError(undefined);
        onClose();
      })}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="member-error" />}
      <Form form={form} layout="vertical" initialValues={{ role_id: 2, group_type: 2 }}>
        <Form.Item name="group_type" label={t('usergroups.typeTitle')}>
          <GroupTypeChoice />
        </Form.Item>
        <Form.Item
          name="name"
          label={type === 1 ? t('usergroups.dn') : t('usergroups.name')}
          extra={t('usergroups.member.help')}
          rules={[{ required: true, whitespace: true, message: t('project.required') }]}
        >
          <Input autoComplete="off" placeholder={type === 1 ? 'cn=developers,ou=groups,dc=example,dc=com' : undefined} />
        </Form.Item>
        <Form.Item name="role_id" label={t('project.members.role')}>
          <RoleChoice />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Changes the role of one member or of several, one request each; those refused are listed with the server's message. */
function ChangeRole({ members, projectId, onClose }: { members?: ProjectMember[]; projectId: number; onClose: (changed?: ProjectMember[]) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ role_id: number }>();
  const { error, setError, setBusy, footer } = useFormModal();
  // Members whose role changed while others were refused: the list shows them when the dialog closes.
  const [changed, setChanged] = useState<ProjectMember[]>([]);
  const only = members?.length === 1 ? members[0] : undefined;

  const submit = async () => {
    if (!members) return;
    const { role_id } = await form.validateFields();
    setBusy(true);
    setError(undefined);
    const failed = new Set<ProjectMember>();
    const failures = await eachMember(members, async (member) => {
      try {
        await call('PUT', memberUrl(projectId, member), { role_id });
      } catch (failure) {
        failed.add(member);
        throw failure;
      }
    });
    setBusy(false);
    const done = [...changed, ...members.filter((member) => !failed.has(member) && !changed.includes(member))];
    if (failures.length === 0) {
      setChanged([]);
      onClose(done);
    } else {
      setChanged(done);
      setError(failures.join('\n'));
    }
  };

  return (
    <Modal
      open={members !== undefined}
      title={only ? t('project.members.changeRoleOf', { name: only.entity_name }) : t('project.members.changeRoleOfMany', { count: members?.length ?? 0 })}
      {...footer(submit, () => {
        setError(undefined);
        setChanged([]);
        onClose(changed.length ? changed : undefined);
      })}
    >
      {error && <Alert type="error" message={<span style={{ whiteSpace: 'pre-line' }}>{error}</span>} style={{ marginBottom: 16 }} data-testid="member-error" />}
      {members && (
        <Form form={form} layout="vertical" initialValues={{ role_id: only?.role_id ?? members[0]?.role_id }}>
          <Form.Item name="role_id" label={t('project.members.role')}>
            <RoleChoice />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

function memberUrl(projectId: number, member: ProjectMember): string {
  return apiUrl('/projects/{project_name_or_id}/members/{mid}', { project_name_or_id: projectId, mid: member.id });
}

/** Runs an action on each member in turn; the refusals, each as "name: the server's message". */
async function eachMember(members: ProjectMember[], action: (member: ProjectMember) => Promise<unknown>): Promise<string[]> {
  const failures: string[] = [];
  for (const member of members) {
    try {
      await action(member);
    } catch (failure) {
      failures.push(members.length === 1 ? errorText(failure) : `${member.entity_name}: ${errorText(failure)}`);
    }
  }
  return failures;
}
