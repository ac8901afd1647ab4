import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Empty, Input, Select, Space, Spin, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Artifact } from '../../api/repository-models';
import { scanLogUrl, vulnerabilityReport, type ArtifactAddress } from './scanApi';
import { runInProgress, ScanRunButtons, ScanRunDetails } from './ScanRun';
import { SeveritySummary } from './SeveritySummary';
import { overviewOf, SEVERITIES } from './VulnerabilityCell';
import { VulnerabilityTable } from './VulnerabilityTable';
import { countBySeverity, filterRows, toRows } from './vulnerabilityRows';

/**
 * The artifact's vulnerability report, as Harbor's portal shows it: the last scan's status and
 * scanner, the findings by severity, and the findings themselves, filtered and sorted here.
 */
export function VulnerabilitiesTab(props: { address: ArtifactAddress; artifact: Artifact; canScan: boolean; canStop: boolean; onChange: () => unknown }) {
  const { t } = useTranslation();
  const run = overviewOf(props.artifact);
  const done = run?.scan_status === 'Success';
  const report = useQuery({
    // A new scan is a new report id or end time: the query follows it.
    queryKey: ['vulnerability-report', props.address, run?.report_id, run?.end_time],
    enabled: done,
    queryFn: () => vulnerabilityReport(props.address),
  });

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="vulnerabilities-tab">
      <Card size="small">
        <Space direction="vertical" style={{ width: '100%' }}>
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, flexWrap: 'wrap' }}>
            <ScanRunButtons
              address={props.address}
              kind="vulnerability"
              run={run}
              canStart={props.canScan}
              canStop={props.canStop}
              startLabel={t('scan.scan')}
              onChange={props.onChange}
            />
            {run && run.scan_status !== 'Pending' && (
              <Typography.Link href={scanLogUrl(props.address, run.report_id)} target="_blank" rel="noopener" data-testid="scan-log">
                {t('scanReport.log')}
              </Typography.Link>
            )}
          </div>
          {run ? <ScanRunDetails run={run} testId="scan-run" /> : null}
        </Space>
      </Card>
      {!run ? (
        <Empty description={t('scanReport.notScanned')} data-testid="scan-none" />
      ) : runInProgress(run) ? (
        <Space data-testid="scan-in-progress">
          <Spin size="small" />
          <Typography.Text>{t('scanReport.scanning')}</Typography.Text>
        </Space>
      ) : run.scan_status === 'Error' ? (
        <Alert type="error" showIcon message={t('scanReport.scanFailed')} description={t('scanReport.seeLog')} data-testid="scan-error" />
      ) : run.scan_status === 'Stopped' ? (
        <Alert type="warning" showIcon message={t('scanReport.scanStopped')} data-testid="scan-stopped" />
      ) : report.error ? (
        <Alert type="error" message={report.error.message} />
      ) : report.isPending ? (
        <Card loading />
      ) : (
        <Findings items={report.data?.vulnerabilities} />
      )}
    </Space>
  );
}

function Findings({ items }: { items: Parameters<typeof toRows>[0] }) {
  const { t } = useTranslation();
  const rows = useMemo(() => toRows(items), [items]);
  const [severities, setSeverities] = useState<string[]>([]);
  const [search, setSearch] = useState('');
  const shown = useMemo(() => filterRows(rows, severities, search), [rows, severities, search]);
  const { counts, fixable } = countBySeverity(rows);
  if (rows.length === 0) return <Alert type="success" showIcon message={t('scanReport.clean')} data-testid="scan-clean-report" />;
  return (
    <Card size="small">
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <SeveritySummary counts={counts} total={rows.length} fixable={fixable} />
        <Space wrap>
          <Select
            mode="multiple"
            allowClear
            style={{ minWidth: 240 }}
            aria-label={t('scanReport.severityFilter')}
            placeholder={t('scanReport.allSeverities')}
            value={severities}
            onChange={setSeverities}
            options={SEVERITIES.map(([severity]) => ({ value: severity, label: t(`scan.severity.${severity}`) }))}
            data-testid="severity-filter"
          />
          <Input
            allowClear
            style={{ width: 280 }}
            aria-label={t('scanReport.search')}
            placeholder={t('scanReport.search')}
            onChange={(event) => setSearch(event.target.value)}
            data-testid="vulnerability-search"
          />
          <Typography.Text type="secondary" data-testid="vulnerability-count">
            {t('scanReport.shown', { shown: shown.length, total: rows.length })}
          </Typography.Text>
        </Space>
        <VulnerabilityTable rows={shown} />
      </Space>
    </Card>
  );
}
