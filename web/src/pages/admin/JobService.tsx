import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson } from '../../api/client';
import type { JobQueue, Worker, WorkerPool } from '../../api/admin-models';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { useRunAction } from '../common/useRunAction';
import { formatTime } from '../format';

type QueueAction = 'pause' | 'resume' | 'stop';

/** The job service: pending jobs per kind (pause, resume, stop), worker pools and their workers. */
export function JobService() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const queues = useQuery({ queryKey: ['admin', 'queues'], queryFn: () => getJson<JobQueue[]>(apiUrl('/jobservice/queues')), refetchInterval: 10_000 });
  const pools = useQuery({ queryKey: ['admin', 'pools'], queryFn: () => getJson<WorkerPool[]>(apiUrl('/jobservice/pools')), refetchInterval: 10_000 });
  const time = (value?: string) => (value ? formatTime(value, i18n.language) : '');

  const run = useRunAction(() => queryClient.invalidateQueries({ queryKey: ['admin', 'queues'] }));
  const act = (queue: JobQueue, action: QueueAction) =>
    run(
      () => call('PUT', apiUrl('/jobservice/queues/{job_type}', { job_type: queue.job_type }), { action }),
      t(`admin.jobs.${action}Done`, { kind: queue.job_type }),
    );

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('admin.jobs.queues')}
      </Typography.Title>
      {queues.error && <Alert type="error" message={queues.error.message} />}
      <Table<JobQueue>
        rowKey="job_type"
        loading={queues.isLoading}
        dataSource={queues.data ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('admin.jobs.kind'), dataIndex: 'job_type' },
          { title: t('admin.jobs.pending'), dataIndex: 'count', align: 'right' },
          { title: t('admin.jobs.latency'), dataIndex: 'latency', align: 'right', render: (seconds: number) => t('admin.jobs.seconds', { count: seconds }) },
          {
            title: t('admin.jobs.state'),
            dataIndex: 'paused',
            render: (paused: boolean) => (paused ? <Tag color="orange">{t('admin.jobs.paused')}</Tag> : <Tag color="green">{t('admin.jobs.running')}</Tag>),
          },
          {
            title: t('admin.actions'),
            key: 'actions',
            render: (_, queue) => (
              <Space wrap>
                {queue.paused ? (
                  <Button size="small" onClick={() => void act(queue, 'resume')}>
                    {t('admin.jobs.resume')}
                  </Button>
                ) : (
                  <Button size="small" onClick={() => void act(queue, 'pause')}>
                    {t('admin.jobs.pause')}
                  </Button>
                )}
                <ConfirmDelete title={t('admin.jobs.stopConfirm', { kind: queue.job_type })} label={t('admin.jobs.stop')} onConfirm={() => act(queue, 'stop')} />
              </Space>
            ),
          },
        ]}
      />
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('admin.jobs.pools')}
      </Typography.Title>
      {pools.error && <Alert type="error" message={pools.error.message} />}
      <Table<WorkerPool>
        rowKey="worker_pool_id"
        loading={pools.isLoading}
        dataSource={pools.data ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        expandable={{ expandedRowRender: (pool) => <Workers poolId={pool.worker_pool_id} /> }}
        columns={[
          { title: t('admin.jobs.pool'), dataIndex: 'worker_pool_id' },
          { title: t('admin.jobs.host'), dataIndex: 'host' },
          { title: t('admin.jobs.pid'), dataIndex: 'pid', align: 'right' },
          { title: t('admin.jobs.concurrency'), dataIndex: 'concurrency', align: 'right' },
          { title: t('admin.jobs.startedAt'), dataIndex: 'start_at', render: time },
          { title: t('admin.jobs.heartbeat'), dataIndex: 'heartbeat_at', render: time },
        ]}
      />
    </Space>
  );
}

function Workers({ poolId }: { poolId: string }) {
  const { t, i18n } = useTranslation();
  const workers = useQuery({
    queryKey: ['admin', 'workers', poolId],
    queryFn: () => getJson<Worker[]>(apiUrl('/jobservice/pools/{pool_id}/workers', { pool_id: poolId })),
    refetchInterval: 5000,
  });
  const time = (value?: string) => (value ? formatTime(value, i18n.language) : '');
  if (workers.error) return <Alert type="error" message={workers.error.message} />;
  return (
    <Table<Worker>
      rowKey="id"
      size="small"
      loading={workers.isLoading}
      dataSource={workers.data ?? []}
      pagination={false}
      locale={{ emptyText: t('admin.jobs.noWorkers') }}
      columns={[
        { title: t('admin.jobs.worker'), dataIndex: 'id' },
        { title: t('admin.jobs.job'), dataIndex: 'job_name' },
        { title: t('admin.jobs.jobId'), dataIndex: 'job_id' },
        { title: t('admin.jobs.startedAt'), dataIndex: 'start_at', render: time },
        { title: t('admin.jobs.checkIn'), dataIndex: 'checkin_at', render: time },
      ]}
    />
  );
}
