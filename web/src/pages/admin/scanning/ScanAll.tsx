import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Descriptions, Progress, Row, Space, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText, getJson } from '../../../api/client';
import { DATABASE_UPDATED_AT, type ScanAllSchedule, type ScanAllStats, type ScannerMetadata } from '../../../api/scan-admin-models';
import { formatTime } from '../../format';
import { SchedulePicker, scheduleOfCron, type ScheduleValue } from '../../SchedulePicker';
import { useScanners } from './Scanners';

const METRICS_KEY = ['admin', 'scan-all', 'metrics'];
const SCHEDULE_KEY = ['admin', 'scan-all', 'schedule'];
const DAY_MS = 86_400_000;

/** Scan all artifacts: the vulnerability data of the default scanner, the schedule, a manual run and the latest run's progress. */
export function ScanAll() {
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <VulnerabilityDatabase />
      <LatestRun />
      <ScheduleCard />
    </Space>
  );
}

/** When the default scanner's vulnerability data was last updated, as its adapter reports it (Harbor's "Database updated on"). */
function VulnerabilityDatabase() {
  const { t, i18n } = useTranslation();
  const scanners = useScanners();
  const scanner = scanners.data?.items.find((item) => item.is_default);
  const database = useQuery({
    queryKey: ['admin', 'scanners', 'database', scanner?.uuid, scanner?.url],
    enabled: scanner !== undefined,
    queryFn: async () => {
      const metadata = await getJson<ScannerMetadata>(apiUrl('/scanners/{registration_id}/metadata', { registration_id: scanner?.uuid ?? '' }));
      const updatedAt = metadata.properties?.[DATABASE_UPDATED_AT];
      // The age as of reading it: days are what is shown, so a page left open is not followed by the minute.
      return updatedAt ? { updatedAt, days: Math.max(0, Math.floor((Date.now() - Date.parse(updatedAt)) / DAY_MS)) } : { updatedAt: undefined, days: 0 };
    },
    retry: false,
  });
  const { updatedAt, days } = database.data ?? { updatedAt: undefined, days: 0 };

  return (
    <Card title={t('scanAdmin.vulnerability.database')} size="small" loading={scanners.isLoading}>
      {database.error && <Alert type="error" message={database.error.message} style={{ marginBottom: 12 }} />}
      <Descriptions
        size="small"
        column={1}
        items={[
          {
            key: 'scanner',
            label: t('scanAdmin.vulnerability.defaultScanner'),
            children: <span data-testid="default-scanner">{scanner?.name ?? t('scanAdmin.vulnerability.noDefault')}</span>,
          },
          {
            key: 'updated',
            label: t('scanAdmin.vulnerability.updatedAt'),
            children: (
              <span data-testid="database-updated">
                {updatedAt
                  ? t(days < 1 ? 'scanAdmin.vulnerability.updatedToday' : 'scanAdmin.vulnerability.updatedAgo', { time: formatTime(updatedAt, i18n.language), days })
                  : t('scanAdmin.vulnerability.notReported')}
              </span>
            ),
          },
        ]}
      />
    </Card>
  );
}

/** "Scan now", "Stop", and the scans of the latest run counted by status; followed every two seconds while it runs. */
function LatestRun() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState<'scan' | 'stop'>();
  const stats = useQuery({
    queryKey: METRICS_KEY,
    queryFn: () => getJson<ScanAllStats>(apiUrl('/scans/all/metrics')),
    refetchInterval: (query) => (query.state.data?.ongoing ? 2000 : false),
  });
  const data = stats.data;
  const metrics = data?.metrics ?? {};
  const failed = metrics.Error ?? 0;
  const stopped = metrics.Stopped ?? 0;
  const running = (metrics.Pending ?? 0) + (metrics.Running ?? 0) + (metrics.Scheduled ?? 0);
  const percent = data && data.total > 0 ? Math.floor((data.completed / data.total) * 100) : 0;

  const act = async (what: 'scan' | 'stop') => {
    setBusy(what);
    try {
      if (what === 'scan') await call('POST', apiUrl('/system/scanAll/schedule'), { schedule: { type: 'Manual' } });
      else await call('POST', apiUrl('/system/scanAll/stop'));
      void message.success(t(what === 'scan' ? 'scanAdmin.vulnerability.started' : 'scanAdmin.vulnerability.stopRequested'));
    } catch (failure) {
      void message.error(errorText(failure));
    } finally {
      setBusy(undefined);
    }
    await queryClient.invalidateQueries({ queryKey: METRICS_KEY });
  };

  return (
    <Card
      title={t('scanAdmin.vulnerability.latestRun')}
      size="small"
      loading={stats.isLoading}
      extra={
        <Space>
          <Button type="primary" onClick={() => void act('scan')} loading={busy === 'scan'} disabled={data?.ongoing} data-testid="scan-all-now">
            {t('scanAdmin.vulnerability.scanNow')}
          </Button>
          {data?.ongoing && (
            <Button danger onClick={() => void act('stop')} loading={busy === 'stop'} data-testid="scan-all-stop">
              {t('scanAdmin.vulnerability.stop')}
            </Button>
          )}
        </Space>
      }
    >
      {stats.error && <Alert type="error" message={stats.error.message} />}
      {data && data.total === 0 && !data.trigger ? (
        <Typography.Text type="secondary">{t('scanAdmin.vulnerability.neverRun')}</Typography.Text>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} data-testid="scan-all-metrics">
          <Row gutter={16}>
            <Col span={4}>
              <Statistic title={t('scanAdmin.vulnerability.total')} value={data?.total ?? 0} />
            </Col>
            <Col span={5}>
              <Statistic title={t('scanAdmin.vulnerability.completed')} value={data?.completed ?? 0} valueStyle={{ color: '#389e0d' }} />
            </Col>
            <Col span={5}>
              <Statistic title={t('scanAdmin.vulnerability.failed')} value={failed} valueStyle={failed > 0 ? { color: '#cf1322' } : undefined} />
            </Col>
            <Col span={5}>
              <Statistic title={t('scanAdmin.vulnerability.stopped')} value={stopped} />
            </Col>
            <Col span={5}>
              <Statistic title={t('scanAdmin.vulnerability.ongoing')} value={running} />
            </Col>
          </Row>
          <Progress aria-label={t('scanAdmin.vulnerability.progress')} percent={percent} status={data?.ongoing ? 'active' : failed > 0 ? 'exception' : 'normal'} />
          <Typography.Text type="secondary" data-testid="scan-all-state">
            {t(data?.ongoing ? 'scanAdmin.vulnerability.running' : 'scanAdmin.vulnerability.finished', {
              trigger: t(`scanAdmin.trigger.${data?.trigger ?? 'Manual'}`),
            })}
          </Typography.Text>
        </Space>
      )}
    </Card>
  );
}

/** GET/PUT /system/scanAll/schedule: none, a preset, or a cron expression of six fields. */
function ScheduleCard() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const schedule = useQuery({ queryKey: SCHEDULE_KEY, queryFn: () => getJson<ScanAllSchedule>(apiUrl('/system/scanAll/schedule')) });
  const saved = schedule.data?.schedule;

  const save = async (value: ScheduleValue) => {
    try {
      await call('PUT', apiUrl('/system/scanAll/schedule'), { schedule: { type: value.type, ...(value.type === 'Custom' ? { cron: value.cron } : {}) } });
    } finally {
      await queryClient.invalidateQueries({ queryKey: SCHEDULE_KEY });
    }
  };

  return (
    <Card title={t('scanAdmin.vulnerability.schedule')} size="small" loading={schedule.isLoading}>
      {schedule.error && <Alert type="error" message={schedule.error.message} style={{ marginBottom: 12 }} />}
      {/* Keyed by the saved schedule, so a fresh one replaces what was picked before it loaded. */}
      <SchedulePicker
        key={`${saved?.type ?? ''} ${saved?.cron ?? ''}`}
        saved={scheduleOfCron(saved?.cron)}
        next={saved?.next_scheduled_time}
        onSave={save}
        testId="scan-all-schedule"
      />
    </Card>
  );
}
