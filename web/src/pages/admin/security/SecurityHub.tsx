import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Row, Space, Statistic, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { apiUrl, getJson } from '../../../api/client';
import type { DangerousArtifact, DangerousCve, SecuritySummary } from '../../../api/scan-admin-models';
import { CveExports } from './CveExports';
import { hubArtifactLink, shortDigest } from './hubLinks';
import { SeverityTag } from './SeverityTag';
import { EMPTY_FILTER, VulnerabilitySearch, type VulFilter } from './VulnerabilitySearch';

/** The summary's counts by severity, most severe first, with the colours of the artifact tables. */
const SEVERITY_COUNTS = [
  ['Critical', 'critical_cnt', '#c41d7f'],
  ['High', 'high_cnt', '#cf1322'],
  ['Medium', 'medium_cnt', '#d46b08'],
  ['Low', 'low_cnt', '#d48806'],
  ['Negligible', 'none_cnt', undefined],
  ['Unknown', 'unknown_cnt', undefined],
] as const;

/** Harbor's security hub: the system's artifacts and vulnerabilities at a glance, the five most dangerous of each, and a search. */
export function SecurityHub() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<VulFilter>(EMPTY_FILTER);
  const summary = useQuery({
    queryKey: ['admin', 'security', 'summary'],
    queryFn: () => getJson<SecuritySummary>(apiUrl('/security/summary', {}, { with_dangerous_cve: 'true', with_dangerous_artifact: 'true' })),
  });
  const data = summary.data;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {summary.error && <Alert type="error" message={summary.error.message} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>
          <Card title={t('scanAdmin.hub.artifacts')} size="small" loading={summary.isLoading} style={{ height: '100%' }}>
            <Row gutter={8} data-testid="hub-artifacts">
              <Col span={8}>
                <Statistic title={t('scanAdmin.hub.total')} value={data?.total_artifact ?? 0} />
              </Col>
              <Col span={8}>
                <Statistic title={t('scanAdmin.hub.scanned')} value={data?.scanned_cnt ?? 0} />
              </Col>
              <Col span={8}>
                <Statistic title={t('scanAdmin.hub.notScanned')} value={Math.max(0, (data?.total_artifact ?? 0) - (data?.scanned_cnt ?? 0))} />
              </Col>
            </Row>
          </Card>
        </Col>
        <Col xs={24} lg={16}>
          <Card
            title={t('scanAdmin.hub.vulnerabilities')}
            size="small"
            loading={summary.isLoading}
            style={{ height: '100%' }}
            extra={
              <Typography.Text type="secondary" data-testid="hub-fixable">
                {t('scanAdmin.hub.fixable', { fixable: data?.fixable_cnt ?? 0, total: data?.total_vuls ?? 0 })}
              </Typography.Text>
            }
          >
            <Row gutter={8} data-testid="hub-severities">
              {SEVERITY_COUNTS.map(([severity, field, color]) => (
                <Col span={4} key={severity}>
                  <Statistic title={t(`scan.severity.${severity}`)} value={data?.[field] ?? 0} valueStyle={color ? { color } : undefined} />
                </Col>
              ))}
            </Row>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <DangerousArtifacts artifacts={data?.dangerous_artifacts ?? []} loading={summary.isLoading} />
        </Col>
        <Col xs={24} lg={12}>
          <DangerousCves cves={data?.dangerous_cves ?? []} loading={summary.isLoading} onPick={(cve) => setFilter({ ...EMPTY_FILTER, cveId: cve })} />
        </Col>
      </Row>
      <VulnerabilitySearch filter={filter} onFilter={setFilter} />
      <CveExports cveId={filter.cveId} />
    </Space>
  );
}

function DangerousArtifacts({ artifacts, loading }: { artifacts: DangerousArtifact[]; loading: boolean }) {
  const { t } = useTranslation();
  return (
    <Card title={t('scanAdmin.hub.topArtifacts')} size="small" style={{ height: '100%' }} data-testid="hub-top-artifacts">
      <Table<DangerousArtifact>
        size="small"
        rowKey={(row) => `${row.repository_name}@${row.digest}`}
        loading={loading}
        pagination={false}
        dataSource={artifacts}
        locale={{ emptyText: t('scanAdmin.hub.noneFound') }}
        columns={[
          {
            title: t('scanAdmin.hub.artifact'),
            key: 'artifact',
            render: (_, row) => (
              <Link to={hubArtifactLink(row.project_id, row.repository_name, row.digest)}>
                {row.repository_name}@{shortDigest(row.digest)}
              </Link>
            ),
          },
          { title: t('scan.severity.Critical'), dataIndex: 'critical_cnt' },
          { title: t('scan.severity.High'), dataIndex: 'high_cnt' },
          { title: t('scan.severity.Medium'), dataIndex: 'medium_cnt' },
        ]}
      />
    </Card>
  );
}

function DangerousCves({ cves, loading, onPick }: { cves: DangerousCve[]; loading: boolean; onPick: (cve: string) => void }) {
  const { t } = useTranslation();
  return (
    <Card title={t('scanAdmin.hub.topCves')} size="small" style={{ height: '100%' }} data-testid="hub-top-cves">
      <Table<DangerousCve>
        size="small"
        rowKey="cve_id"
        loading={loading}
        pagination={false}
        dataSource={cves}
        locale={{ emptyText: t('scanAdmin.hub.noneFound') }}
        columns={[
          {
            title: t('scanAdmin.hub.cveId'),
            dataIndex: 'cve_id',
            render: (cve: string) => (
              <Button type="link" size="small" style={{ padding: 0 }} title={t('scanAdmin.hub.searchThis')} onClick={() => onPick(cve)}>
                {cve}
              </Button>
            ),
          },
          { title: t('scanAdmin.hub.severity'), dataIndex: 'severity', render: (severity: string) => <SeverityTag severity={severity} /> },
          { title: t('scanAdmin.hub.cvss'), dataIndex: 'cvss_score_v3', render: (score?: number) => score ?? '—' },
          { title: t('scanAdmin.hub.package'), key: 'package', render: (_, row) => `${row.package}@${row.version}` },
        ]}
      />
    </Card>
  );
}
