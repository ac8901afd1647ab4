import { Alert, Card, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TrustMaterial } from '../../api/trust-models';
import { Fingerprint, MaterialTable } from '../trust/MaterialTable';
import { PolicyForm } from '../trust/PolicyForm';
import { useTrustMaterial } from '../trust/trustApi';
import type { ProjectTabProps } from './shared';

/** The project's content trust: the keys and certificates its signatures verify against, and its policy. */
export default function Signing({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const editable = can('configuration', 'update');
  const scope = { project: project.project_id };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%', maxWidth: 1000 }}>
      {!editable && <Alert type="info" message={t('trust.project.readOnly')} />}
      <Card size="small" title={t('trust.project.material')}>
        <Typography.Paragraph type="secondary">{t('trust.project.materialHint')}</Typography.Paragraph>
        <MaterialTable scope={scope} editable={editable} testId="project-trust-material" />
      </Card>
      <SystemMaterial />
      <Card size="small" title={t('trust.policy.title')}>
        <PolicyForm scope={scope} editable={editable} />
      </Card>
    </Space>
  );
}

/** What every project trusts besides its own; only administrators may read it, so others do not see this card. */
function SystemMaterial() {
  const { t } = useTranslation();
  const material = useTrustMaterial('system');
  if (!material.data) return null;
  return (
    <Card size="small" title={t('trust.project.system')} data-testid="system-trust-material-view">
      <Typography.Paragraph type="secondary">{t('trust.project.systemHint')}</Typography.Paragraph>
      <Table<TrustMaterial>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={material.data}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('trust.material.empty') }}
        columns={[
          { title: t('trust.material.kind'), dataIndex: 'kind', render: (kind: TrustMaterial['kind']) => <Tag>{t(`trust.kind.${kind}`)}</Tag> },
          { title: t('trust.material.name'), dataIndex: 'name' },
          { title: t('trust.material.fingerprint'), dataIndex: 'fingerprint', render: (fingerprint: string) => <Fingerprint fingerprint={fingerprint} /> },
        ]}
      />
    </Card>
  );
}
