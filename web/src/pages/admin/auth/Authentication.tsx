import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Card, Form, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText, getJson } from '../../../api/client';
import type { Configurations } from '../../../api/admin-models';
import { OidcSettings } from './OidcSettings';

const MODES = ['db_auth', 'ldap_auth', 'oidc_auth'] as const;

/** The Configuration page's Authentication tab: the mode (changed only while admin is the only user) and the provider's settings. */
export function Authentication() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string>();
  const config = useQuery({ queryKey: ['admin', 'configurations'], queryFn: () => getJson<Configurations>(apiUrl('/configurations')) });
  const mode = config.data?.auth_mode.value ?? 'db_auth';

  const changeMode = async (next: string) => {
    setError(undefined);
    try {
      await call('PUT', apiUrl('/configurations'), { auth_mode: next });
      void message.success(t('admin.config.saved'));
    } catch (failure) {
      setError(errorText(failure));
    }
    await queryClient.invalidateQueries({ queryKey: ['admin', 'configurations'] });
  };

  if (config.error) return <Alert type="error" message={config.error.message} />;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card loading={config.isLoading} style={{ maxWidth: 720 }}>
        {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="auth-mode-error" />}
        <Form layout="vertical">
          <Form.Item label={t('admin.config.authMode')} extra={t('oidc.settings.modeHint')}>
            <Select
              value={mode}
              onChange={(next) => void changeMode(next)}
              data-testid="auth-mode-select"
              options={MODES.map((value) => ({ value, label: t(`admin.config.auth.${value}`) }))}
            />
          </Form.Item>
        </Form>
      </Card>
      {config.data && mode === 'oidc_auth' && (
        <Card title={<Typography.Text strong>{t('oidc.settings.title')}</Typography.Text>} style={{ maxWidth: 720 }}>
          <OidcSettings config={config.data} />
        </Card>
      )}
    </Space>
  );
}
