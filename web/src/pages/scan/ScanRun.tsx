import { Button, Descriptions, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { useRunAction } from '../common/useRunAction';
import { TimeText } from '../repository/shared';
import { startScan, stopScan, type ArtifactAddress, type ScanKind } from './scanApi';

/** What the artifact's overviews say of its last scan or SBOM generation. */
export interface ScanRun {
  report_id: string;
  scan_status: string;
  start_time: string;
  end_time?: string;
  duration?: number;
  scanner?: { name: string; vendor: string; version: string };
}

const STATUS_COLOURS: Record<string, string> = { Pending: 'processing', Running: 'processing', Success: 'success', Error: 'error', Stopped: 'warning' };

export function runInProgress(run: ScanRun | undefined): boolean {
  return run?.scan_status === 'Pending' || run?.scan_status === 'Running';
}

/** The run's status, when it started and ended, and the scanner that ran it. */
export function ScanRunDetails({ run, testId }: { run: ScanRun; testId: string }) {
  const { t } = useTranslation();
  const known = run.scan_status in STATUS_COLOURS;
  return (
    <Descriptions
      size="small"
      column={{ xs: 1, sm: 2, lg: 4 }}
      data-testid={testId}
      items={[
        {
          key: 'status',
          label: t('scanReport.status'),
          children: (
            <Tag color={STATUS_COLOURS[run.scan_status] ?? 'default'} data-testid={`${testId}-status`}>
              {known ? t(`scanReport.state.${run.scan_status}`) : run.scan_status}
            </Tag>
          ),
        },
        { key: 'start', label: t('scanReport.started'), children: <TimeText time={run.start_time} /> },
        {
          key: 'end',
          label: t('scanReport.finished'),
          children: run.end_time ? (
            <Space size={4}>
              <TimeText time={run.end_time} />
              {run.duration !== undefined && t('scanReport.duration', { seconds: run.duration })}
            </Space>
          ) : (
            '—'
          ),
        },
        { key: 'scanner', label: t('scanReport.scanner'), children: run.scanner ? `${run.scanner.name} ${run.scanner.version}` : '—' },
      ]}
    />
  );
}

/** Starts a run, or stops the one under way; each shown only when the user's role allows it. */
export function ScanRunButtons(props: {
  address: ArtifactAddress;
  kind: ScanKind;
  run: ScanRun | undefined;
  canStart: boolean;
  canStop: boolean;
  startLabel: string;
  onChange: () => unknown;
}) {
  const { t } = useTranslation();
  const runAction = useRunAction(props.onChange);
  const running = runInProgress(props.run);
  const prefix = props.kind === 'sbom' ? 'sbom' : 'scan';
  return (
    <Space wrap>
      {props.canStart && (
        <Button
          type="primary"
          disabled={running}
          data-testid={`${prefix}-start`}
          onClick={() => void runAction(() => startScan(props.address, props.kind), t(props.kind === 'sbom' ? 'scanReport.sbomStarted' : 'scanReport.scanStarted'))}
        >
          {props.startLabel}
        </Button>
      )}
      {props.canStop && running && (
        <Button danger data-testid={`${prefix}-stop`} onClick={() => void runAction(() => stopScan(props.address, props.kind), t('scanReport.stopAsked'))}>
          {t('scanReport.stop')}
        </Button>
      )}
    </Space>
  );
}
