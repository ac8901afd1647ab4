import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Input, Space, Spin, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Artifact } from '../../api/repository-models';
import { sbomDocument, scanLogUrl, type ArtifactAddress } from './scanApi';
import { runInProgress, ScanRunButtons, ScanRunDetails } from './ScanRun';
import { saveDocument, sbomFileName, sbomPackages, type SbomPackageRow } from './sbomPackages';

/**
 * The artifact's SBOM, as Harbor's portal shows it: generating one, the last generation's status,
 * and the packages of the SPDX document the `sbom.harbor` accessory holds, which can be downloaded.
 */
export function SbomTab(props: { address: ArtifactAddress; artifact: Artifact; canGenerate: boolean; canStop: boolean; onChange: () => unknown }) {
  const { t } = useTranslation();
  const run = props.artifact.sbom_overview;
  const sbomDigest = run?.scan_status === 'Success' ? run.sbom_digest : undefined;
  const sbom = useQuery({
    queryKey: ['sbom', props.address, sbomDigest],
    enabled: sbomDigest !== undefined,
    queryFn: () => sbomDocument({ ...props.address, digest: sbomDigest ?? '' }),
  });
  const tag = props.artifact.tags?.[0]?.name;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="sbom-tab">
      <Card size="small">
        <Space direction="vertical" style={{ width: '100%' }}>
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, flexWrap: 'wrap' }}>
            <Space wrap>
              <ScanRunButtons
                address={props.address}
                kind="sbom"
                run={run}
                canStart={props.canGenerate}
                canStop={props.canStop}
                startLabel={t('scanReport.generateSbom')}
                onChange={props.onChange}
              />
              {sbom.data && (
                <Button data-testid="sbom-download" onClick={() => saveDocument(sbom.data.text, sbomFileName(props.address.path, tag ?? props.artifact.digest))}>
                  {t('scanReport.download')}
                </Button>
              )}
            </Space>
            {run && run.scan_status !== 'Pending' && (
              <Typography.Link href={scanLogUrl(props.address, run.report_id)} target="_blank" rel="noopener" data-testid="sbom-log">
                {t('scanReport.log')}
              </Typography.Link>
            )}
          </div>
          {run ? <ScanRunDetails run={run} testId="sbom-run" /> : null}
        </Space>
      </Card>
      {!run ? (
        <Empty description={t('scanReport.noSbom')} data-testid="sbom-none" />
      ) : runInProgress(run) ? (
        <Space data-testid="sbom-in-progress">
          <Spin size="small" />
          <Typography.Text>{t('scanReport.generating')}</Typography.Text>
        </Space>
      ) : run.scan_status === 'Error' ? (
        <Alert type="error" showIcon message={t('scanReport.sbomFailed')} description={t('scanReport.seeLog')} data-testid="sbom-error" />
      ) : run.scan_status === 'Stopped' ? (
        <Alert type="warning" showIcon message={t('scanReport.sbomStopped')} data-testid="sbom-stopped" />
      ) : !sbomDigest ? (
        <Alert type="warning" showIcon message={t('scanReport.sbomMissing')} data-testid="sbom-missing" />
      ) : sbom.error ? (
        <Alert type="error" message={sbom.error.message} />
      ) : sbom.isPending ? (
        <Card loading />
      ) : (
        <Packages rows={sbomPackages(sbom.data.document)} format={sbom.data.document.spdxVersion} />
      )}
    </Space>
  );
}

function Packages({ rows, format }: { rows: SbomPackageRow[]; format: string | undefined }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? rows.filter((row) => row.name.toLowerCase().includes(needle) || row.purl.toLowerCase().includes(needle)) : rows;
  }, [rows, search]);
  const none = <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Card size="small">
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Space wrap>
          <Typography.Text strong data-testid="sbom-package-count">
            {t('scanReport.packages', { count: rows.length })}
          </Typography.Text>
          {format && <Typography.Text type="secondary">{format}</Typography.Text>}
          <Input
            allowClear
            style={{ width: 280 }}
            aria-label={t('scanReport.packageSearch')}
            placeholder={t('scanReport.packageSearch')}
            onChange={(event) => setSearch(event.target.value)}
            data-testid="sbom-search"
          />
        </Space>
        <Table<SbomPackageRow>
          rowKey="key"
          size="small"
          dataSource={shown}
          // The image's own entry has its whole reference for a name and its digest for a version: long words that wrap.
          scroll={{ x: 720 }}
          data-testid="sbom-packages"
          locale={{ emptyText: t('scanReport.noPackages') }}
          pagination={{ defaultPageSize: 25, showSizeChanger: true, pageSizeOptions: [10, 25, 50, 100] }}
          columns={[
            {
              title: t('scanReport.packageName'),
              key: 'name',
              sorter: (a, b) => a.name.localeCompare(b.name),
              render: (_, row) => <span style={{ overflowWrap: 'anywhere' }}>{row.name}</span>,
            },
            {
              title: t('scanReport.version'),
              key: 'version',
              width: 200,
              render: (_, row) => (row.version ? <span style={{ overflowWrap: 'anywhere' }}>{row.version}</span> : none),
            },
            { title: t('scanReport.license'), key: 'license', width: 140, render: (_, row) => row.license || none },
            {
              title: t('scanReport.purl'),
              key: 'purl',
              render: (_, row) =>
                row.purl ? (
                  <Typography.Text code style={{ wordBreak: 'break-all' }}>
                    {row.purl}
                  </Typography.Text>
                ) : (
                  none
                ),
            },
          ]}
        />
      </Space>
    </Card>
  );
}
