import { useQuery } from '@tanstack/react-query';
import { Alert, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../../api/client';
import type { SignatureVerdict } from '../../api/trust-models';
import { repositoryParams } from '../repository/links';
import { Digest, TimeText } from '../repository/shared';
import type { ArtifactAddress } from '../scan/scanApi';
import { Fingerprint } from './MaterialTable';

const SIGNATURES = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/signatures';

/** Accessory type → the signing tool's name, as users know it. */
const TOOLS: Record<string, string> = { 'signature.cosign': 'cosign', 'signature.notation': 'notation' };

/** A key's signer is its fingerprint (copied whole), a certificate's its subject. */
function Signer({ signer }: { signer: string }) {
  if (!signer) return <Typography.Text type="secondary">—</Typography.Text>;
  return signer.startsWith('sha256:') ? <Fingerprint fingerprint={signer} /> : <Typography.Text>{signer}</Typography.Text>;
}

/** The artifact's signatures with their verdicts; material and policy changes invalidate every `signatures` query. */
export function useSignatures(address: ArtifactAddress, enabled = true) {
  return useQuery({
    queryKey: ['signatures', address.projectName, address.path, address.digest],
    enabled,
    queryFn: () => getJson<SignatureVerdict[]>(apiUrl(SIGNATURES, { ...repositoryParams(address.projectName, address.path), reference: address.digest })),
  });
}

/** Each signature of the artifact, with whether it verifies against the project's trusted keys now, and why not. */
export function SignaturesTab({ address }: { address: ArtifactAddress }) {
  const { t } = useTranslation();
  const signatures = useSignatures(address);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('trust.signatures.hint')}</Typography.Paragraph>
      {signatures.error && <Alert type="error" message={signatures.error.message} />}
      <Table<SignatureVerdict>
        rowKey="digest"
        size="small"
        pagination={false}
        loading={signatures.isPending}
        dataSource={signatures.data ?? []}
        scroll={{ x: 'max-content' }}
        data-testid="signatures"
        locale={{ emptyText: t('trust.signatures.empty') }}
        columns={[
          { title: t('trust.signatures.type'), dataIndex: 'type', render: (type: string) => <Tag>{TOOLS[type] ?? type}</Tag> },
          { title: t('trust.signatures.digest'), dataIndex: 'digest', render: (digest: string) => <Digest digest={digest} /> },
          {
            title: t('trust.signatures.status'),
            key: 'verified',
            render: (_, verdict) =>
              verdict.verified ? (
                <Tag color="success" data-testid="signature-verified">
                  {t('trust.signatures.verified')}
                </Tag>
              ) : (
                <Space direction="vertical" size={2}>
                  <Tag color="error" data-testid="signature-unverified">
                    {t('trust.signatures.unverified')}
                  </Tag>
                  {verdict.reason && (
                    <Typography.Text type="secondary" data-testid="signature-reason">
                      {verdict.reason}
                    </Typography.Text>
                  )}
                </Space>
              ),
          },
          { title: t('trust.signatures.signer'), dataIndex: 'signer', render: (signer: string) => <Signer signer={signer} /> },
          {
            title: t('trust.signatures.details'),
            dataIndex: 'details',
            render: (details: string[] | undefined) =>
              details?.length ? (
                <Space direction="vertical" size={0}>
                  {details.map((line) => (
                    <Typography.Text key={line}>{line}</Typography.Text>
                  ))}
                </Space>
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
          { title: t('trust.signatures.checkedAt'), dataIndex: 'checked_at', render: (time: string) => <TimeText time={time} /> },
        ]}
      />
    </Space>
  );
}
