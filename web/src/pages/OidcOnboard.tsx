import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { call, errorText } from '../api/client';

/**
 * Harbor's OIDC onboarding: the provider signed the person in, but no Berth account is tied to
 * them yet and `oidc_auto_onboard` is off, so they choose their username (POST /c/oidc/onboard).
 */
export default function OidcOnboard() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ username }: { username: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await call('POST', '/c/oidc/onboard', { username: username.trim() });
      queryClient.clear();
      const next = params.get('redirect_url');
      void navigate(next?.startsWith('/') && !next.startsWith('//') && next !== '/' ? next : '/projects', { replace: true });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ display: 'flex', justifyContent: 'center', alignItems: 'center', minHeight: '100vh', padding: 16 }}>
      <Card style={{ width: '100%', maxWidth: 420 }} data-testid="oidc-onboard">
        <Typography.Title level={3}>{t('oidc.onboard.title')}</Typography.Title>
        <Typography.Paragraph>{t('oidc.onboard.text')}</Typography.Paragraph>
        {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="oidc-onboard-error" />}
        <Form<{ username: string }> layout="vertical" initialValues={{ username: params.get('username') ?? '' }} onFinish={(values) => void submit(values)}>
          <Form.Item name="username" label={t('oidc.onboard.username')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input autoComplete="username" autoFocus data-testid="oidc-onboard-username" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="oidc-onboard-submit">
            {t('oidc.onboard.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
