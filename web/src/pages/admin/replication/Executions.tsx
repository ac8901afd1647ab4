import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Popconfirm, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson, getPage } from '../../../api/client';
import type { ReplicationExecution, ReplicationPolicy } from '../../../api/replication-models';
import { useRunAction } from '../../common/useRunAction';
import { formatTime } from '../../format';
import { pageSizeOptions } from '../../paging';
import { ExecutionTasks } from './ExecutionTasks';
import { durationText, REFRESH_MS, StatusTag } from './status';

export const EXECUTIONS_KEY = ['admin', 'replication', 'executions'];

/** Rule names for the "all rules" list; a system has few rules. */
const ALL_RULES = 100;

/** The executions of one rule, or of all: counts from the execution's tasks, stop, and its tasks on click. Refreshes while one runs. */
export function Executions({ rule, onShowAll }: { rule: ReplicationPolicy | undefined; onShowAll: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const [opened, setOpened] = useState<ReplicationExecution>();
  const executions = useQuery({
    queryKey: [...EXECUTIONS_KEY, rule?.id ?? 'all', paging],
    queryFn: () => getPage<ReplicationExecution>(apiUrl('/replication/executions', {}, { policy_id: rule?.id, page: paging.page, page_size: paging.pageSize })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((e) => e.status === 'InProgress') ? REFRESH_MS : false),
  });
  const names = useQuery({
    queryKey: ['admin', 'replication', 'rule-names'],
    queryFn: () => getJson<ReplicationPolicy[]>(apiUrl('/replication/policies', {}, { page_size: ALL_RULES })),
    enabled: rule === undefined,
  });
  const ruleName = (id: number) => (rule?.id === id ? rule.name : (names.data?.find((p) => p.id === id)?.name ?? `#${id}`));
  const run = useRunAction(() => queryClient.invalidateQueries({ queryKey: EXECUTIONS_KEY }));
  const stop = (execution: ReplicationExecution) =>
    run(() => call('PUT', apiUrl('/replication/executions/{id}', { id: execution.id })), t('replication.executions.stopped', { id: execution.id }));

  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="replication-executions">
      <Space wrap align="center">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {rule ? t('replication.executions.ofRule', { name: rule.name }) : t('replication.executions.title')}
        </Typography.Title>
        {rule && (
          <Button size="small" onClick={onShowAll} data-testid="executions-all">
            {t('replication.executions.showAll')}
          </Button>
        )}
        <Button size="small" onClick={() => void executions.refetch()} loading={executions.isFetching}>
          {t('replication.executions.refresh')}
        </Button>
      </Space>
      {executions.error && <Alert type="error" message={executions.error.message} />}
      <Table<ReplicationExecution>
        rowKey="id"
        size="small"
        dataSource={executions.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: paging.page,
          pageSize: paging.pageSize,
          total: executions.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions,
          showTotal: (count) => t('common.total', { count }),
          onChange: (page, pageSize) => setPaging({ page, pageSize }),
        }}
        columns={[
          {
            title: t('replication.executions.id'),
            dataIndex: 'id',
            render: (id: number, execution) => (
              <Button type="link" size="small" onClick={() => setOpened(execution)} data-testid="execution-open">
                {id}
              </Button>
            ),
          },
          { title: t('replication.executions.rule'), dataIndex: 'policy_id', render: (id: number) => ruleName(id) },
          {
            title: t('replication.executions.status'),
            dataIndex: 'status',
            render: (status: ReplicationExecution['status'], execution) => (
              <StatusTag status={status} title={execution.status_text || undefined} testId="execution-status" />
            ),
          },
          {
            title: t('replication.executions.trigger'),
            dataIndex: 'trigger',
            render: (trigger: string) => t(`replication.trigger.${trigger}`, { defaultValue: trigger }),
          },
          {
            title: t('replication.executions.startTime'),
            dataIndex: 'start_time',
            render: (time: string | null) => (time ? formatTime(time, i18n.language) : ''),
          },
          { title: t('replication.executions.duration'), key: 'duration', render: (_, execution) => durationText(execution.start_time, execution.end_time, t) },
          {
            title: t('replication.executions.successRate'),
            key: 'rate',
            render: (_, execution) => (execution.total === 0 ? '—' : `${Math.round((execution.succeed / execution.total) * 100)}%`),
          },
          { title: t('replication.executions.total'), dataIndex: 'total', render: (total: number) => <span data-testid="execution-total">{total}</span> },
          { title: t('replication.executions.failed'), dataIndex: 'failed' },
          { title: t('replication.executions.inProgress'), dataIndex: 'in_progress' },
          {
            title: t('replication.actions'),
            key: 'actions',
            render: (_, execution) =>
              execution.status === 'InProgress' && (
                <Popconfirm
                  title={t('replication.executions.stopConfirm', { id: execution.id })}
                  okText={t('replication.executions.stop')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => stop(execution)}
                >
                  <Button size="small" danger data-testid="execution-stop">
                    {t('replication.executions.stop')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      {opened && <ExecutionTasks execution={opened} ruleName={ruleName(opened.policy_id)} onClose={() => setOpened(undefined)} />}
    </Space>
  );
}
