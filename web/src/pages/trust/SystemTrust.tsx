import { Card, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { MaterialTable } from './MaterialTable';
import { PolicyForm } from './PolicyForm';

/** The keys, certificates and policy every project trusts, kept by system administrators. */
export function SystemTrust() {
  const { t } = useTranslation();
  return (
    <Card title={t('trust.system.title')} style={{ maxWidth: 1000 }} data-testid="system-trust">
      <Typography.Paragraph type="secondary">{t('trust.system.hint')}</Typography.Paragraph>
      <MaterialTable scope="system" editable testId="system-trust-material" />
      <Typography.Title level={5}>{t('trust.policy.title')}</Typography.Title>
      <PolicyForm scope="system" editable />
    </Card>
  );
}
