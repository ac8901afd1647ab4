import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Modal, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson, getPage } from '../../api/client';
import type { GcRun, GcSchedule } from '../../api/admin-models';
import { formatTime } from '../format';
import { PagedTable } from '../common/PagedTable';
import { useListState } from '../paging';
import { SchedulePicker, scheduleOfCron, type ScheduleValue } from '../SchedulePicker';
import { errorText, getText } from '../../api/client';

const UNFINISHED = new Set(['Pending', 'Running', 'Scheduled']);

function parameters(run: GcRun): { dry_run?: boolean; delete_untagged?: boolean } {
  try {
    return JSON.parse(run.job_parameters ?? '{}') as { dry_run?: boolean; delete_untagged?: boolean };
  } catch {
    return {};
  }
}

function statusColor(status: string): string | undefined {
  if (status === 'Success') return 'green';
  if (status === 'Error') return 'red';
  if (UNFINISHED.has(status)) return 'blue';
  return undefined;
}

/** Garbage collection: run now or as a dry run, the schedule, and past runs with their logs. */
export function GarbageCollection() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [deleteUntagged, setDeleteUntagged] = useState(true);
  const [starting, setStarting] = useState<'run' | 'dry'>();
  const [logOf, setLogOf] = useState<number>();
  const history = useQuery({
    queryKey: ['admin', 'gc', list],
    queryFn: () => getPage<GcRun>(apiUrl('/system/gc', {}, { page: list.page, page_size: list.pageSize })),
    placeholderData: keepPreviousData,
    // While a run is unfinished, its status is checked every two seconds.
    refetchInterval: (query) => (query.state.data?.items.some((run) => UNFINISHED.has(run.job_status ?? '')) ? 2000 : false),
  });

  const start = async (dryRun: boolean) => {
    setStarting(dryRun ? 'dry' : 'run');
    try {
      await call('POST', apiUrl('/system/gc/schedule'), { schedule: { type: 'Manual' }, parameters: { dry_run: dryRun, delete_untagged: deleteUntagged } });
      void message.success(dryRun ? t('admin.gc.dryRunStarted') : t('admin.gc.started'));
    } catch (failure) {
      void message.error(errorText(failure));
    } finally {
      setStarting(undefined);
    }
    await queryClient.invalidateQueries({ queryKey: ['admin', 'gc'] });
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('admin.gc.runTitle')} size="small">
        <Space wrap>
          <Checkbox checked={deleteUntagged} onChange={(event) => setDeleteUntagged(event.target.checked)}>
            {t('admin.gc.deleteUntagged')}
          </Checkbox>
          <Button type="primary" loading={starting === 'run'} onClick={() => void start(false)} data-testid="gc-run">
            {t('admin.gc.runNow')}
          </Button>
          <Button loading={starting === 'dry'} onClick={() => void start(true)} data-testid="gc-dry-run">
            {t('admin.gc.dryRun')}
          </Button>
        </Space>
      </Card>
      <ScheduleCard />
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('admin.gc.history')}
      </Typography.Title>
      {history.error && <Alert type="error" message={history.error.message} />}
      <PagedTable<GcRun>
        rowKey="id"
        page={history}
        loading={history.isFetching && !history.data}
        list={list}
        setList={setList}
        columns={[
          { title: t('admin.gc.id'), dataIndex: 'id' },
          { title: t('admin.gc.trigger'), dataIndex: 'job_kind', render: (kind: string) => (kind === 'SCHEDULE' ? t('admin.gc.scheduled') : t('admin.gc.manual')) },
          { title: t('admin.gc.dryRunColumn'), key: 'dry', render: (_, run) => (parameters(run).dry_run ? t('admin.yes') : t('admin.no')) },
          {
            title: t('admin.gc.status'),
            dataIndex: 'job_status',
            render: (status: string) => (
              <Tag color={statusColor(status)} data-testid="gc-status">
                {t(`admin.status.${status}`, { defaultValue: status })}
              </Tag>
            ),
          },
          { title: t('admin.gc.startedAt'), dataIndex: 'creation_time', render: (time?: string) => (time ? formatTime(time, i18n.language) : '') },
          { title: t('admin.gc.updated'), dataIndex: 'update_time', render: (time?: string) => (time ? formatTime(time, i18n.language) : '') },
          {
            title: t('admin.actions'),
            key: 'log',
            render: (_, run) => (
              <Button size="small" onClick={() => setLogOf(run.id)}>
                {t('admin.gc.log')}
              </Button>
            ),
          },
        ]}
      />
      <RunLog id={logOf} onClose={() => setLogOf(undefined)} />
    </Space>
  );
}

/** GET/PUT /system/gc/schedule: none, a preset, or a cron expression of six fields. */
function ScheduleCard() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const schedule = useQuery({ queryKey: ['admin', 'gc-schedule'], queryFn: () => getJson<GcSchedule>(apiUrl('/system/gc/schedule')) });
  const saved = schedule.data?.schedule;

  const save = async (value: ScheduleValue) => {
    try {
      await call('PUT', apiUrl('/system/gc/schedule'), {
        schedule: { type: value.type, ...(value.type === 'Custom' ? { cron: value.cron } : {}) },
        parameters: { delete_untagged: true },
      });
    } finally {
      await queryClient.invalidateQueries({ queryKey: ['admin', 'gc-schedule'] });
    }
  };

  return (
    <Card title={t('admin.gc.schedule')} size="small" loading={schedule.isLoading}>
      {schedule.error && <Alert type="error" message={schedule.error.message} style={{ marginBottom: 12 }} />}
      {/* Keyed by the saved schedule, so a fresh one replaces what was picked before it loaded. */}
      <SchedulePicker
        key={`${saved?.type ?? ''} ${saved?.cron ?? ''}`}
        saved={saved?.cron ? scheduleOfCron(saved.cron) : { type: 'None', cron: '' }}
        next={saved?.next_scheduled_time}
        onSave={save}
        testId="gc-schedule"
      />
    </Card>
  );
}

/** One run's log as text, in a dialog; refreshed while the run goes on. */
function RunLog({ id, onClose }: { id: number | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const log = useQuery({
    queryKey: ['admin', 'gc-log', id],
    enabled: id !== undefined,
    queryFn: () => getText(apiUrl('/system/gc/{gc_id}/log', { gc_id: id ?? 0 })),
    refetchInterval: 3000,
  });
  return (
    <Modal open={id !== undefined} title={t('admin.gc.logOf', { id: id ?? '' })} onCancel={onClose} footer={null} width={800} destroyOnHidden>
      {log.error && <Alert type="error" message={log.error.message} />}
      {log.isLoading ? (
        <Typography.Text type="secondary">{t('app.loading')}</Typography.Text>
      ) : (
        <pre data-testid="gc-log" style={{ maxHeight: 480, overflow: 'auto', whiteSpace: 'pre-wrap', margin: 0 }}>
          {log.data || t('admin.gc.emptyLog')}
        </pre>
      )}
    </Modal>
  );
}
