import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, Empty, Form, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson, getPage, getText } from '../../api/client';
import type { RetentionExecution, RetentionPolicy, RetentionRule, RetentionRuleBody, RetentionTask, RetentionTemplate } from '../../api/policies-models';
import type { ProjectMetadata } from '../../api/project-models';
import { formatTime } from '../format';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { useFormModal } from '../common/useFormModal';
import { pageSizeOptions } from '../paging';
import { errorText, type ProjectTabProps } from '../project/shared';
import { cronOfSchedule, SchedulePicker, scheduleOfCron, type ScheduleValue } from '../SchedulePicker';
import { SELECTOR_DEFAULTS, SelectorFields, SelectorList, selectorsBody, selectorValues, type SelectorValues } from './selectors';

/** The templates Berth supports (src/policies/retention/schema.ts) and whether each takes a count or a number of days. */
const TEMPLATES: Record<RetentionTemplate, 'count' | 'days' | undefined> = {
  latestPushedK: 'count',
  latestPulledN: 'count',
  nDaysSinceLastPush: 'days',
  nDaysSinceLastPull: 'days',
  always: undefined,
};
const RUNNING = new Set(['Pending', 'Running', 'Scheduled']);
const UNTAGGED = '{"untagged":true}';

/** Whether a tag selector's extras (a JSON object) take untagged artifacts too. */
function takesUntagged(extras: string | undefined): boolean {
  if (!extras) return false;
  try {
    return (JSON.parse(extras) as { untagged?: unknown }).untagged === true;
  } catch {
    return false;
  }
}

/** The project's tag retention policy: its rules (add, edit, remove), its schedule, dry and real runs, their history and logs. */
export function Retention({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const metadata: ProjectMetadata = project.metadata;
  const [createdId, setCreatedId] = useState<number>();
  const policyId = Number(metadata.retention_id) || createdId;
  // The rule in the dialog: a new one, or the index of the one being edited.
  const [editing, setEditing] = useState<number | 'new'>();
  const [error, setError] = useState<string>();
  const [running, setRunning] = useState<'dry' | 'real'>();
  const [page, setPage] = useState({ page: 1, pageSize: 10 });
  const policy = useQuery({
    queryKey: ['retention', policyId],
    enabled: policyId !== undefined,
    queryFn: () => getJson<RetentionPolicy>(apiUrl('/retentions/{id}', { id: policyId ?? 0 })),
  });
  const executions = useQuery({
    queryKey: ['retention-executions', policyId, page],
    enabled: policyId !== undefined && can('tag-retention', 'list'),
    queryFn: () => getPage<RetentionExecution>(apiUrl('/retentions/{id}/executions', { id: policyId ?? 0 }, { page: page.page, page_size: page.pageSize })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((e) => RUNNING.has(e.status)) ? 1000 : false),
  });
  const editable = can('tag-retention', policyId === undefined ? 'create' : 'update');

  /** Saves the policy with new rules or a new trigger, creating it the first time. */
  const save = async (change: { rules?: RetentionRuleBody[]; cron?: string }): Promise<void> => {
    const trigger = policy.data?.trigger ?? { kind: 'Schedule' as const, settings: { cron: '' }, references: {} };
    const body = {
      algorithm: 'or',
      rules: change.rules ?? policy.data?.rules ?? [],
      trigger: change.cron === undefined ? trigger : { ...trigger, settings: { ...trigger.settings, cron: change.cron } },
      scope: { level: 'project', ref: project.project_id },
    };
    if (policyId === undefined) {
      await call('POST', apiUrl('/retentions'), body);
      const fresh = await getJson<{ metadata: ProjectMetadata }>(apiUrl('/projects/{project_name_or_id}', { project_name_or_id: project.project_id }));
      setCreatedId(Number(fresh.metadata.retention_id) || undefined);
      void queryClient.invalidateQueries({ queryKey: ['project'] });
    } else {
      await call('PUT', apiUrl('/retentions/{id}', { id: policyId }), { ...body, id: policyId });
    }
    await queryClient.invalidateQueries({ queryKey: ['retention'] });
  };

  const removeRule = async (index: number) => {
    setError(undefined);
    try {
      await save({ rules: (policy.data?.rules ?? []).filter((_, i) => i !== index) });
      void message.success(t('policies.retention.ruleDeleted'));
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  const run = async (dryRun: boolean) => {
    if (policyId === undefined) return;
    setError(undefined);
    setRunning(dryRun ? 'dry' : 'real');
    try {
      await call('POST', apiUrl('/retentions/{id}/executions', { id: policyId }), { dry_run: dryRun });
      void message.success(t(dryRun ? 'policies.retention.dryRunStarted' : 'policies.retention.runStarted'));
      setPage((p) => ({ ...p, page: 1 }));
      await queryClient.invalidateQueries({ queryKey: ['retention-executions', policyId] });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setRunning(undefined);
    }
  };

  const describe = (rule: RetentionRule) => {
    const unit = TEMPLATES[rule.template];
    const value = unit ? Number(rule.params?.[rule.template] ?? 0) : 0;
    return t(`policies.template.${rule.template}`, { count: value });
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="retention">
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('policies.retention.title')}
      </Typography.Title>
      <Typography.Text type="secondary">{t('policies.retention.hint')}</Typography.Text>
      <Space wrap>
        {editable && (
          <Button type="primary" onClick={() => setEditing('new')} data-testid="add-retention-rule">
            {t('policies.retention.add')}
          </Button>
        )}
        {policyId !== undefined && can('tag-retention', 'operate') && (
          <>
            <Button onClick={() => void run(true)} loading={running === 'dry'} disabled={!policy.data?.rules.length} data-testid="retention-dry-run">
              {t('policies.retention.dryRun')}
            </Button>
            <Popconfirm
              title={t('policies.retention.runConfirm')}
              okText={t('policies.retention.run')}
              cancelText={t('common.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() => run(false)}
            >
              <Button danger loading={running === 'real'} disabled={!policy.data?.rules.length} data-testid="retention-run">
                {t('policies.retention.run')}
              </Button>
            </Popconfirm>
          </>
        )}
      </Space>
      {policy.error && <Alert type="error" message={policy.error.message} />}
      {(policyId === undefined || policy.data) && (
        <Space wrap align="start">
          <Typography.Text strong style={{ lineHeight: '32px' }}>
            {t('policies.retention.schedule')}
          </Typography.Text>
          {/* Keyed by the saved cron, so a fresh policy replaces what was picked before it loaded. */}
          <SchedulePicker
            key={policy.data?.trigger.settings?.cron ?? ''}
            saved={scheduleOfCron(policy.data?.trigger.settings?.cron)}
            readOnly={!editable}
            onSave={(value: ScheduleValue) => save({ cron: cronOfSchedule(value) })}
            testId="retention-schedule"
          />
        </Space>
      )}
      {error && <Alert type="error" message={error} data-testid="retention-error" closable onClose={() => setError(undefined)} />}
      <Table<RetentionRule>
        rowKey={(_, index) => String(index)}
        loading={policy.isFetching}
        dataSource={policy.data?.rules ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('policies.retention.noRules')} /> }}
        columns={[
          { title: t('policies.retention.retain'), key: 'template', render: (_: unknown, rule) => describe(rule) },
          { title: t('policies.repositories'), key: 'repositories', render: (_: unknown, rule) => <SelectorList selectors={rule.scope_selectors.repository} /> },
          {
            title: t('policies.tags'),
            key: 'tags',
            render: (_: unknown, rule) => (
              <Space size={4}>
                <SelectorList selectors={rule.tag_selectors} />
                {rule.tag_selectors.some((s) => takesUntagged(s.extras)) && <Tag color="blue">{t('policies.retention.untagged')}</Tag>}
              </Space>
            ),
          },
          ...(can('tag-retention', 'update')
            ? [
                {
                  title: t('policies.actions'),
                  key: 'actions',
                  render: (_: unknown, _rule: RetentionRule, index: number) => (
                    <Space>
                      <Button size="small" onClick={() => setEditing(index)} data-testid="edit-retention-rule">
                        {t('policies.edit')}
                      </Button>
                      <ConfirmDelete title={t('policies.retention.deleteConfirm')} onConfirm={() => removeRule(index)} />
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {policyId !== undefined && can('tag-retention', 'list') && (
        <>
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('policies.retention.history')}
          </Typography.Title>
          {executions.error && <Alert type="error" message={executions.error.message} />}
          <Table<RetentionExecution>
            rowKey="id"
            loading={executions.isFetching && !executions.data}
            dataSource={executions.data?.items ?? []}
            scroll={{ x: 'max-content' }}
            data-testid="retention-executions"
            expandable={{ expandedRowRender: (execution) => <Tasks policyId={policyId} execution={execution} /> }}
            pagination={{
              current: page.page,
              pageSize: page.pageSize,
              total: executions.data?.total ?? 0,
              showSizeChanger: true,
              pageSizeOptions,
              showTotal: (count) => t('common.total', { count }),
              onChange: (next, pageSize) => setPage({ page: next, pageSize }),
            }}
            columns={[
              { title: t('policies.retention.id'), dataIndex: 'id' },
              { title: t('policies.retention.status'), dataIndex: 'status', render: (status: string) => <StatusTag status={status} /> },
              {
                title: t('policies.retention.kind'),
                dataIndex: 'dry_run',
                render: (dry: boolean) => (dry ? t('policies.retention.dryRun') : t('policies.retention.realRun')),
              },
              {
                title: t('policies.retention.trigger'),
                dataIndex: 'trigger',
                render: (trigger: string) => t(`policies.trigger.${trigger}`, { defaultValue: trigger }),
              },
              { title: t('policies.retention.started'), dataIndex: 'start_time', render: (time: string) => <Time value={time} /> },
              { title: t('policies.retention.ended'), dataIndex: 'end_time', render: (time: string) => <Time value={time} /> },
            ]}
          />
        </>
      )}
      {editing !== undefined && (
        <RetentionRuleDialog
          rule={editing === 'new' ? undefined : policy.data?.rules[editing]}
          onSave={async (rule) => {
            const rules = policy.data?.rules ?? [];
            await save({ rules: editing === 'new' ? [...rules, rule] : rules.map((old, i) => (i === editing ? rule : old)) });
          }}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) void message.success(t(editing === 'new' ? 'policies.retention.added' : 'policies.retention.saved'));
          }}
        />
      )}
    </Space>
  );
}

function Time({ value }: { value: string }) {
  const { i18n } = useTranslation();
  return value ? formatTime(value, i18n.language) : '–';
}

function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  const color = status === 'Success' ? 'green' : status === 'Error' ? 'red' : RUNNING.has(status) ? 'blue' : undefined;
  return <Tag color={color}>{t(`policies.status.${status}`, { defaultValue: status })}</Tag>;
}

/** One run's tasks, a repository each, with a button to read the task's log. */
function Tasks({ policyId, execution }: { policyId: number; execution: RetentionExecution }) {
  const { t } = useTranslation();
  const [page, setPage] = useState({ page: 1, pageSize: 10 });
  const [log, setLog] = useState<RetentionTask>();
  const tasks = useQuery({
    queryKey: ['retention-tasks', policyId, execution.id, execution.status, page],
    queryFn: () =>
      getPage<RetentionTask>(apiUrl('/retentions/{id}/executions/{eid}/tasks', { id: policyId, eid: execution.id }, { page: page.page, page_size: page.pageSize })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      {tasks.error && <Alert type="error" message={tasks.error.message} />}
      <Table<RetentionTask>
        rowKey="id"
        size="small"
        loading={tasks.isFetching}
        dataSource={tasks.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('policies.retention.noTasks')} /> }}
        pagination={{
          current: page.page,
          pageSize: page.pageSize,
          total: tasks.data?.total ?? 0,
          hideOnSinglePage: true,
          onChange: (next, pageSize) => setPage({ page: next, pageSize }),
        }}
        columns={[
          { title: t('policies.retention.repository'), dataIndex: 'repository' },
          { title: t('policies.retention.status'), dataIndex: 'status', render: (status: string) => <StatusTag status={status} /> },
          { title: t('policies.retention.total'), dataIndex: 'total', align: 'right' },
          { title: t('policies.retention.retained'), dataIndex: 'retained', align: 'right' },
          {
            title: t('policies.actions'),
            key: 'log',
            render: (_: unknown, task) => (
              <Button size="small" onClick={() => setLog(task)} data-testid="retention-task-log">
                {t('policies.retention.log')}
              </Button>
            ),
          },
        ]}
      />
      {log && <TaskLog policyId={policyId} task={log} onClose={() => setLog(undefined)} />}
    </>
  );
}

function TaskLog({ policyId, task, onClose }: { policyId: number; task: RetentionTask; onClose: () => void }) {
  const { t } = useTranslation();
  const text = useQuery({
    queryKey: ['retention-log', policyId, task.execution_id, task.id, task.status],
    queryFn: () => getText(apiUrl('/retentions/{id}/executions/{eid}/tasks/{tid}', { id: policyId, eid: task.execution_id, tid: task.id })),
  });
  return (
    <Modal
      open
      width={900}
      title={t('policies.retention.logTitle', { repository: task.repository })}
      onCancel={onClose}
      footer={<Button onClick={onClose}>{t('policies.close')}</Button>}
      destroyOnHidden
    >
      {text.error && <Alert type="error" message={text.error.message} />}
      {text.isPending ? (
        <Typography.Text type="secondary">{t('policies.loading')}</Typography.Text>
      ) : (
        <pre data-testid="retention-log" style={{ maxHeight: 480, overflow: 'auto', fontSize: 12, margin: 0 }}>
          {text.data ?? ''}
        </pre>
      )}
    </Modal>
  );
}

interface RuleValues extends SelectorValues {
  template: RetentionTemplate;
  param: number;
  untagged: boolean;
}

/** The form's values for a rule being edited, or the defaults for a new one. */
function ruleValues(rule: RetentionRule | undefined): RuleValues {
  if (!rule) return { ...SELECTOR_DEFAULTS, template: 'latestPushedK', param: 10, untagged: false };
  const param = Number(rule.params?.[rule.template]);
  return {
    ...selectorValues(rule),
    template: rule.template,
    param: Number.isInteger(param) ? param : 10,
    untagged: takesUntagged(rule.tag_selectors[0]?.extras),
  };
}

/** Adds a rule or, given one, edits it (template, its number, selectors, untagged), in the same form. */
function RetentionRuleDialog({
  rule,
  onSave,
  onClose,
}: {
  rule?: RetentionRule;
  onSave: (rule: RetentionRuleBody) => Promise<void>;
  onClose: (saved?: boolean) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<RuleValues>();
  const { error, save, footer } = useFormModal();
  const template = Form.useWatch('template', form) ?? 'latestPushedK';
  const unit = TEMPLATES[template];

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      await onSave({
        ...rule,
        disabled: rule?.disabled ?? false,
        action: 'retain',
        template: values.template,
        params: TEMPLATES[values.template] ? { [values.template]: values.param } : {},
        ...selectorsBody(values, values.untagged ? UNTAGGED : undefined, rule),
      });
      onClose(true);
    });
  };

  return (
    <Modal open title={t(rule ? 'policies.retention.edit' : 'policies.retention.add')} {...footer(submit, () => onClose())}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="retention-rule-error" />}
      <Form form={form} layout="vertical" initialValues={ruleValues(rule)}>
        <Form.Item name="template" label={t('policies.retention.retain')}>
          <Select
            aria-label={t('policies.retention.retain')}
            options={(Object.keys(TEMPLATES) as RetentionTemplate[]).map((value) => ({ value, label: t(`policies.templateName.${value}`) }))}
          />
        </Form.Item>
        {unit && (
          <Form.Item
            name="param"
            label={t(unit === 'count' ? 'policies.retention.count' : 'policies.retention.days')}
            rules={[{ required: true, message: t('policies.required') }]}
          >
            <InputNumber min={0} precision={0} style={{ width: 160 }} />
          </Form.Item>
        )}
        <SelectorFields />
        <Form.Item name="untagged" valuePropName="checked">
          <Checkbox>{t('policies.retention.untaggedHint')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
