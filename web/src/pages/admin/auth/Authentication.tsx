import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText, getJson, getPage } from '../../../api/client';
import type { Configurations, User } from '../../../api/admin-models';
import { LdapSettings } from './LdapSettings';
import { OidcSettings } from './OidcSettings';

type AuthMode = 'db_auth' | 'ldap_auth' | 'oidc_auth';
const MODES: readonly AuthMode[] = ['db_auth', 'ldap_auth', 'oidc_auth'];

/**
 * The Authentication tab: the mode, which (as in Harbor) can change only while `admin` is the
 * only user, and the settings of the chosen directory.
 */
export function Authentication() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const config = useQuery({ queryKey: ['admin', 'configurations'], queryFn: () => getJson<Configurations>(apiUrl('/configurations')) });
  const users = useQuery({ queryKey: ['admin', 'users', 'count'], queryFn: () => getPage<User>(apiUrl('/users', {}, { page: 1, page_size: 1 })) });
  const stored = (config.data?.auth_mode.value ?? 'db_auth') as AuthMode;
  // What the administrator picked, until it is saved; the stored mode otherwise.
  const [chosen, setChosen] = useState<AuthMode>();
  const mode = chosen ?? stored;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const others = Math.max(0, (users.data?.total ?? 1) - 1);
  const locked = others > 0;

  const saveMode = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/configurations'), { auth_mode: mode });
      void message.success(t('ldap.modeSaved'));
      await queryClient.invalidateQueries({ queryKey: ['admin', 'configurations'] });
      setChosen(undefined);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  if (config.error) return <Alert type="error" message={config.error.message} />;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card loading={config.isLoading || users.isLoading} style={{ maxWidth: 720 }} title={t('ldap.modeTitle')}>
        {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="auth-mode-error" />}
        <Form layout="vertical">
          <Form.Item label={t('admin.config.authMode')} extra={locked ? t('ldap.modeLocked', { count: others }) : t('ldap.modeHint')}>
            <Select
              value={mode}
              onChange={setChosen}
              disabled={locked}
              data-testid="auth-mode-select"
              aria-label={t('admin.config.authMode')}
              options={MODES.map((value) => ({ value, label: t(`admin.config.auth.${value}`) }))}
            />
          </Form.Item>
          <Button type="primary" onClick={() => void saveMode()} loading={busy} disabled={locked || mode === stored} data-testid="save-auth-mode">
            {t('ldap.saveMode')}
          </Button>
        </Form>
      </Card>
      {mode === 'ldap_auth' && <LdapSettings />}
      {config.data && mode === 'oidc_auth' && (
        <Card title={<Typography.Text strong>{t('oidc.settings.title')}</Typography.Text>} style={{ maxWidth: 720 }}>
          <OidcSettings config={config.data} />
        </Card>
      )}
    </Space>
  );
}
