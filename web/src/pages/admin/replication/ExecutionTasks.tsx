import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Modal, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson, getPage, getText } from '../../../api/client';
import type { ReplicationExecution, ReplicationTask } from '../../../api/replication-models';
import { formatBytes, formatTime } from '../../format';
import { pageSizeOptions } from '../../paging';
import { durationText, REFRESH_MS, StatusTag } from './status';

/** One execution: how it stands (asked again every couple of seconds while it runs) and its tasks, each with its log. */
export function ExecutionTasks({ execution: first, ruleName, onClose }: { execution: ReplicationExecution; ruleName: string; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const [logOf, setLogOf] = useState<ReplicationTask>();
  const execution = useQuery({
    queryKey: ['admin', 'replication', 'execution', first.id],
    queryFn: () => getJson<ReplicationExecution>(apiUrl('/replication/executions/{id}', { id: first.id })),
    initialData: first,
    refetchInterval: (query) => (query.state.data?.status === 'InProgress' ? REFRESH_MS : false),
  });
  const running = execution.data.status === 'InProgress';
  const tasks = useQuery({
    queryKey: ['admin', 'replication', 'tasks', first.id, paging, execution.data.status, execution.data.succeed, execution.data.failed],
    queryFn: () => getPage<ReplicationTask>(apiUrl('/replication/executions/{id}/tasks', { id: first.id }, { page: paging.page, page_size: paging.pageSize })),
    placeholderData: keepPreviousData,
    refetchInterval: running ? REFRESH_MS : false,
  });
  const time = (value: string | null) => (value ? formatTime(value, i18n.language) : '');
  const run = execution.data;

  return (
    <Modal open width={1100} title={t('replication.tasks.title', { id: run.id })} onCancel={onClose} footer={null} destroyOnHidden>
      <Descriptions size="small" column={3} style={{ marginBottom: 16 }} data-testid="execution-summary">
        <Descriptions.Item label={t('replication.executions.rule')}>{ruleName}</Descriptions.Item>
        <Descriptions.Item label={t('replication.executions.status')}>
          <StatusTag status={run.status} testId="execution-detail-status" />
        </Descriptions.Item>
        <Descriptions.Item label={t('replication.executions.trigger')}>{t(`replication.trigger.${run.trigger}`, { defaultValue: run.trigger })}</Descriptions.Item>
        <Descriptions.Item label={t('replication.executions.startTime')}>{time(run.start_time)}</Descriptions.Item>
        <Descriptions.Item label={t('replication.executions.duration')}>{durationText(run.start_time, run.end_time, t)}</Descriptions.Item>
        <Descriptions.Item label={t('replication.tasks.counts')}>
          {t('replication.tasks.countsText', { total: run.total, succeed: run.succeed, failed: run.failed, inProgress: run.in_progress, stopped: run.stopped })}
        </Descriptions.Item>
      </Descriptions>
      {run.status_text && run.status !== 'Succeed' && (
        <Alert type={run.status === 'Failed' ? 'error' : 'info'} message={run.status_text} style={{ marginBottom: 16 }} />
      )}
      {tasks.error && <Alert type="error" message={tasks.error.message} />}
      <Table<ReplicationTask>
        rowKey="id"
        size="small"
        dataSource={tasks.data?.items ?? []}
        loading={tasks.isLoading}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: paging.page,
          pageSize: paging.pageSize,
          total: tasks.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions,
          hideOnSinglePage: true,
          onChange: (page, pageSize) => setPaging({ page, pageSize }),
        }}
        columns={[
          { title: t('replication.tasks.id'), dataIndex: 'id' },
          {
            title: t('replication.tasks.resourceType'),
            dataIndex: 'resource_type',
            render: (type: string) => t(`replication.tasks.type.${type}`, { defaultValue: type }),
          },
          {
            title: t('replication.tasks.resource'),
            key: 'resource',
            render: (_, task) => (
              <Space direction="vertical" size={0} data-testid="task-resource">
                <span>{task.src_resource}</span>
                <Typography.Text type="secondary">→ {task.dst_resource}</Typography.Text>
              </Space>
            ),
          },
          {
            title: t('replication.tasks.operation'),
            dataIndex: 'operation',
            render: (operation: string) => t(`replication.tasks.op.${operation}`, { defaultValue: operation }),
          },
          {
            title: t('replication.tasks.status'),
            dataIndex: 'status',
            render: (status: ReplicationTask['status'], task) => <StatusTag status={status} title={task.status_message || undefined} testId="task-status" />,
          },
          { title: t('replication.tasks.bytesSent'), dataIndex: 'bytes_sent', render: (bytes: number) => formatBytes(bytes) },
          { title: t('replication.tasks.startTime'), dataIndex: 'start_time', render: time },
          { title: t('replication.tasks.endTime'), dataIndex: 'end_time', render: time },
          {
            title: t('replication.tasks.log'),
            key: 'log',
            render: (_, task) => (
              <Button size="small" onClick={() => setLogOf(task)} data-testid="task-log">
                {t('replication.tasks.viewLog')}
              </Button>
            ),
          },
        ]}
      />
      {logOf && <TaskLog executionId={run.id} task={logOf} running={logOf.status === 'InProgress'} onClose={() => setLogOf(undefined)} />}
    </Modal>
  );
}

/** A task's log as text, asked again while the task runs. */
function TaskLog({ executionId, task, running, onClose }: { executionId: number; task: ReplicationTask; running: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const log = useQuery({
    queryKey: ['admin', 'replication', 'log', executionId, task.id],
    queryFn: () => getText(apiUrl('/replication/executions/{id}/tasks/{task_id}/log', { id: executionId, task_id: task.id })),
    refetchInterval: running ? REFRESH_MS : false,
  });
  return (
    <Modal open width={900} title={t('replication.tasks.logTitle', { id: task.id })} onCancel={onClose} footer={null} destroyOnHidden>
      {log.error && <Alert type="error" message={log.error.message} />}
      <pre data-testid="task-log-text" style={{ maxHeight: 480, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0 }}>
        {log.isLoading ? t('replication.tasks.logLoading') : log.data || t('replication.tasks.logEmpty')}
      </pre>
    </Modal>
  );
}
