import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson, getPage, getText } from '../../api/client';
import type { WebhookEvents, WebhookExecution, WebhookPolicy, WebhookTask } from '../../api/webhooks-models';
import { formatTime } from '../format';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { ListToolbar } from '../common/ListToolbar';
import { PagedTable } from '../common/PagedTable';
import { useFormModal } from '../common/useFormModal';
import { useRunAction } from '../common/useRunAction';
import { nameQuery, useListState } from '../paging';
import { errorText, type ProjectTabProps } from '../project/shared';

interface PolicyValues {
  name: string;
  description?: string;
  address: string;
  auth_header?: string;
  skip_cert_verify?: boolean;
  payload_format: string;
  event_types: string[];
}

/** The project's webhook policies: create, edit, test a target, enable or disable, delete, and each policy's deliveries. */
export default function Webhooks({ project, can }: ProjectTabProps) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [editing, setEditing] = useState<WebhookPolicy | 'new'>();
  const [history, setHistory] = useState<WebhookPolicy>();
  const id = project.project_id;
  const policies = useQuery({
    queryKey: ['webhook-policies', id, list],
    queryFn: () =>
      getPage<WebhookPolicy>(
        apiUrl('/projects/{project}/webhook/policies', { project: id }, { page: list.page, page_size: list.pageSize, q: nameQuery(list.search) }),
      ),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['webhook-policies', id] });
  const policyUrl = (policy: WebhookPolicy) => apiUrl('/projects/{project}/webhook/policies/{policy}', { project: id, policy: policy.id });

  const run = useRunAction(refresh);

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ListToolbar list={list} setList={setList}>
        {can('notification-policy', 'create') && (
          <Button type="primary" onClick={() => setEditing('new')} data-testid="new-webhook">
            {t('webhooks.new')}
          </Button>
        )}
      </ListToolbar>
      {policies.error && <Alert type="error" message={policies.error.message} />}
      <PagedTable<WebhookPolicy>
        rowKey="id"
        page={policies}
        list={list}
        setList={setList}
        columns={[
          { title: t('webhooks.name'), dataIndex: 'name' },
          {
            title: t('webhooks.status'),
            dataIndex: 'enabled',
            render: (enabled: boolean) => (enabled ? <Tag color="green">{t('webhooks.enabled')}</Tag> : <Tag color="red">{t('webhooks.disabled')}</Tag>),
          },
          { title: t('webhooks.address'), key: 'address', render: (_, policy) => policy.targets.map((target) => target.address).join(', ') },
          { title: t('webhooks.events'), dataIndex: 'event_types', render: (types: string[]) => types.map((type) => t(`webhooks.event.${type}`, type)).join(', ') },
          { title: t('webhooks.description'), dataIndex: 'description' },
          { title: t('webhooks.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          {
            title: t('webhooks.actions'),
            key: 'actions',
            render: (_, policy) => (
              <Space wrap>
                <Button size="small" onClick={() => setHistory(policy)}>
                  {t('webhooks.history')}
                </Button>
                {can('notification-policy', 'update') && (
                  <Button size="small" onClick={() => setEditing(policy)}>
                    {t('webhooks.edit')}
                  </Button>
                )}
                {can('notification-policy', 'update') && (
                  <Popconfirm
                    title={t(policy.enabled ? 'webhooks.disableConfirm' : 'webhooks.enableConfirm', { name: policy.name })}
                    okText={policy.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                    cancelText={t('common.cancel')}
                    onConfirm={() => run(() => call('PUT', policyUrl(policy), { ...policy, enabled: !policy.enabled }))}
                  >
                    <Button size="small">{policy.enabled ? t('webhooks.disable') : t('webhooks.enable')}</Button>
                  </Popconfirm>
                )}
                {can('notification-policy', 'delete') && (
                  <ConfirmDelete
                    title={t('webhooks.deleteConfirm', { name: policy.name })}
                    onConfirm={() => run(() => call('DELETE', policyUrl(policy)), t('webhooks.deleted', { name: policy.name }))}
                  />
                )}
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <EditPolicy
          projectId={id}
          policy={editing === 'new' ? undefined : editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) refresh();
          }}
        />
      )}
      {history && <History projectId={id} policy={history} onClose={() => setHistory(undefined)} />}
    </Space>
  );
}

function EditPolicy({ projectId, policy, onClose }: { projectId: number; policy?: WebhookPolicy; onClose: (saved: boolean) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<PolicyValues>();
  const { error, busy, setBusy, save, footer } = useFormModal();
  const [tested, setTested] = useState<{ ok: boolean; text: string }>();
  const events = useQuery({
    queryKey: ['webhook-events', projectId],
    queryFn: () => getJson<WebhookEvents>(apiUrl('/projects/{project}/webhook/events', { project: projectId })),
  });
  const formats = events.data?.payload_formats.find((f) => f.notify_type === 'http')?.formats ?? ['Default'];
  const target = policy?.targets[0];

  const targetOf = (values: PolicyValues) => ({
    type: 'http',
    address: values.address.trim(),
    auth_header: values.auth_header ?? '',
    skip_cert_verify: values.skip_cert_verify ?? false,
    payload_format: values.payload_format,
  });

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      const body = {
        name: values.name.trim(),
        description: values.description ?? '',
        targets: [targetOf(values)],
        event_types: values.event_types,
        enabled: policy?.enabled ?? true,
      };
      if (policy) await call('PUT', apiUrl('/projects/{project}/webhook/policies/{policy}', { project: projectId, policy: policy.id }), body);
      else await call('POST', apiUrl('/projects/{project}/webhook/policies', { project: projectId }), body);
      onClose(true);
    });
  };

  const test = async () => {
    const values = await form.validateFields(['address', 'auth_header', 'skip_cert_verify', 'payload_format']);
    setTested(undefined);
    setBusy(true);
    try {
      await call('POST', apiUrl('/projects/{project}/webhook/policies/test', { project: projectId }), {
        targets: [targetOf({ ...form.getFieldsValue(), ...values })],
      });
      setTested({ ok: true, text: t('webhooks.testOk') });
    } catch (failure) {
      setTested({ ok: false, text: errorText(failure) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open width={640} title={policy ? t('webhooks.editTitle', { name: policy.name }) : t('webhooks.new')} {...footer(submit, () => onClose(false))}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="webhook-error" />}
      {events.error && <Alert type="error" message={events.error.message} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          name: policy?.name,
          description: policy?.description,
          address: target?.address,
          auth_header: target?.auth_header,
          skip_cert_verify: target?.skip_cert_verify ?? false,
          payload_format: target?.payload_format ?? 'Default',
          event_types: policy?.event_types ?? ['PUSH_ARTIFACT'],
        }}
      >
        <Form.Item name="name" label={t('webhooks.name')} rules={[{ required: true, whitespace: true, message: t('webhooks.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t('webhooks.description')}>
          <Input />
        </Form.Item>
        <Form.Item label={t('webhooks.address')} required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item name="address" noStyle rules={[{ required: true, whitespace: true, message: t('webhooks.required') }]}>
              <Input placeholder={t('webhooks.addressPlaceholder')} aria-label={t('webhooks.address')} />
            </Form.Item>
            <Button onClick={() => void test()} loading={busy} data-testid="test-webhook">
              {t('webhooks.test')}
            </Button>
          </Space.Compact>
        </Form.Item>
        {tested && <Alert type={tested.ok ? 'success' : 'error'} message={tested.text} style={{ marginBottom: 16 }} data-testid="webhook-test-result" />}
        <Form.Item name="auth_header" label={t('webhooks.authHeader')}>
          <Input.Password autoComplete="off" />
        </Form.Item>
        <Form.Item name="skip_cert_verify" valuePropName="checked">
          <Checkbox>{t('webhooks.skipCertVerify')}</Checkbox>
        </Form.Item>
        <Form.Item name="payload_format" label={t('webhooks.payloadFormat')}>
          <Select options={formats.map((format) => ({ value: format, label: t(`webhooks.format.${format}`, format) }))} />
        </Form.Item>
        <Form.Item name="event_types" label={t('webhooks.events')} rules={[{ required: true, message: t('webhooks.noEvent') }]}>
          <Checkbox.Group options={(events.data?.event_type ?? []).map((type) => ({ value: type, label: t(`webhooks.event.${type}`, type) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A policy's deliveries, newest first; each delivery's tasks and their logs. */
function History({ projectId, policy, onClose }: { projectId: number; policy: WebhookPolicy; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(1);
  const [log, setLog] = useState<{ execution: number; task: number }>();
  const params = { project: projectId, policy: policy.id };
  const executions = useQuery({
    queryKey: ['webhook-executions', projectId, policy.id, page],
    queryFn: () => getPage<WebhookExecution>(apiUrl('/projects/{project}/webhook/policies/{policy}/executions', params, { page, page_size: 10, sort: '-id' })),
    placeholderData: keepPreviousData,
  });
  const status = (value: string) => <Tag color={value === 'Success' ? 'green' : value === 'Error' ? 'red' : 'blue'}>{t(`webhooks.state.${value}`, value)}</Tag>;

  return (
    <Modal open width={800} title={t('webhooks.historyTitle', { name: policy.name })} onCancel={onClose} footer={null} destroyOnHidden>
      {executions.error && <Alert type="error" message={executions.error.message} style={{ marginBottom: 16 }} />}
      <Table<WebhookExecution>
        rowKey="id"
        size="small"
        loading={executions.isFetching}
        dataSource={executions.data?.items ?? []}
        locale={{ emptyText: t('webhooks.noDeliveries') }}
        pagination={{ current: page, pageSize: 10, total: executions.data?.total ?? 0, onChange: setPage, showTotal: (count) => t('common.total', { count }) }}
        expandable={{ expandedRowRender: (execution) => <Tasks projectId={projectId} policyId={policy.id} execution={execution.id} onLog={setLog} /> }}
        columns={[
          { title: t('webhooks.id'), dataIndex: 'id' },
          { title: t('webhooks.status'), dataIndex: 'status', render: status },
          { title: t('webhooks.eventType'), key: 'event', render: (_, e) => String(e.extra_attrs.event_type ?? '') },
          { title: t('webhooks.started'), dataIndex: 'start_time', render: (time: string) => formatTime(time, i18n.language) },
        ]}
      />
      {log && <TaskLog projectId={projectId} policyId={policy.id} execution={log.execution} task={log.task} onClose={() => setLog(undefined)} />}
    </Modal>
  );
}

function Tasks({
  projectId,
  policyId,
  execution,
  onLog,
}: {
  projectId: number;
  policyId: number;
  execution: number;
  onLog: (which: { execution: number; task: number }) => void;
}) {
  const { t, i18n } = useTranslation();
  const tasks = useQuery({
    queryKey: ['webhook-tasks', projectId, policyId, execution],
    queryFn: () =>
      getPage<WebhookTask>(
        apiUrl(
          '/projects/{project}/webhook/policies/{policy}/executions/{execution}/tasks',
          { project: projectId, policy: policyId, execution },
          { page_size: 100 },
        ),
      ),
  });
  if (tasks.error) return <Alert type="error" message={tasks.error.message} />;
  return (
    <Table<WebhookTask>
      rowKey="id"
      size="small"
      loading={tasks.isFetching}
      dataSource={tasks.data?.items ?? []}
      pagination={false}
      columns={[
        { title: t('webhooks.id'), dataIndex: 'id' },
        { title: t('webhooks.status'), dataIndex: 'status', render: (value: string) => t(`webhooks.state.${value}`, value) },
        { title: t('webhooks.attempts'), dataIndex: 'run_count' },
        { title: t('webhooks.started'), dataIndex: 'start_time', render: (time: string) => formatTime(time, i18n.language) },
        {
          title: t('webhooks.actions'),
          key: 'log',
          render: (_, task) => (
            <Button size="small" onClick={() => onLog({ execution, task: task.id })}>
              {t('webhooks.log')}
            </Button>
          ),
        },
      ]}
    />
  );
}

function TaskLog({ projectId, policyId, execution, task, onClose }: { projectId: number; policyId: number; execution: number; task: number; onClose: () => void }) {
  const { t } = useTranslation();
  const log = useQuery({
    queryKey: ['webhook-task-log', projectId, policyId, execution, task],
    queryFn: () =>
      getText(
        apiUrl('/projects/{project}/webhook/policies/{policy}/executions/{execution}/tasks/{task}/log', { project: projectId, policy: policyId, execution, task }),
      ),
  });
  return (
    <Modal open width={720} title={t('webhooks.logTitle', { task })} onCancel={onClose} footer={null} destroyOnHidden>
      {log.error && <Alert type="error" message={log.error.message} />}
      {log.isLoading && <Typography.Text type="secondary">{t('app.loading')}</Typography.Text>}
      {log.data !== undefined && (
        <pre style={{ maxHeight: 400, overflow: 'auto', whiteSpace: 'pre-wrap' }} data-testid="webhook-log">
          {log.data || t('webhooks.emptyLog')}
        </pre>
      )}
    </Modal>
  );
}
