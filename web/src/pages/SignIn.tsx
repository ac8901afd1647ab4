import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Divider, Form, Input, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { signIn } from '../api/client';
import { setLanguage, type Language } from '../i18n';
import { useSelfRegistration, useSignInModes } from './signUpSetting';

interface Credentials {
  principal: string;
  password: string;
}

/** POST /c/login; the API's refusal (wrong password, too many attempts) is shown as it says it. */
export default function SignIn() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const selfRegistration = useSelfRegistration();
  const modes = useSignInModes();
  // Set by the OIDC callback when the provider's sign-in could not be completed.
  const oidcError = params.get('oidc_error');
  const next = params.get('next');
  const ssoHref = `/c/oidc/login${next?.startsWith('/') && !next.startsWith('//') ? `?${new URLSearchParams({ redirect_url: next }).toString()}` : ''}`;
  // Set by the sign-up page: the account just created.
  const registered = (useLocation().state as { registered?: string } | null)?.registered;

  const submit = async ({ principal, password }: Credentials) => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(principal, password);
      queryClient.clear();
      // Only a path of this site: never a redirect elsewhere.
      void navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/projects', { replace: true });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ display: 'flex', justifyContent: 'center', alignItems: 'center', minHeight: '100vh', padding: 16 }}>
      {/* data-sign-up says once whether the server offers sign-up, so a check for a missing link knows it has the answer. */}
      <Card
        style={{ width: '100%', maxWidth: 400 }}
        data-testid="sign-in-card"
        data-sign-up={selfRegistration.isSuccess ? String(selfRegistration.data) : undefined}
      >
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 16 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('signIn.title')}
          </Typography.Title>
          <Segmented<Language>
            aria-label={t('header.language')}
            size="small"
            value={i18n.language === 'zh-CN' ? 'zh-CN' : 'en'}
            onChange={setLanguage}
            options={[
              { label: 'EN', value: 'en' },
              { label: '中文', value: 'zh-CN' },
            ]}
          />
        </div>
        {registered && !error && <Alert type="success" message={t('signUp.done', { name: registered })} style={{ marginBottom: 16 }} data-testid="signed-up" />}
        {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="sign-in-error" />}
        {oidcError && !error && (
          <Alert type="error" message={t('oidc.signIn.failed', { reason: oidcError })} style={{ marginBottom: 16 }} data-testid="oidc-error" />
        )}
        {modes.data?.auth_mode === 'oidc_auth' && (
          <>
            {/* A plain link: the browser leaves for the provider and comes back through /c/oidc/callback. */}
            <Button type="primary" block href={ssoHref} data-testid="sso-button">
              {modes.data.oidc_provider_name ? t('oidc.signIn.withName', { name: modes.data.oidc_provider_name }) : t('oidc.signIn.button')}
            </Button>
            <Divider plain>{t('oidc.signIn.localAccount')}</Divider>
          </>
        )}
        <Form<Credentials> layout="vertical" initialValues={{ principal: registered ?? '' }} onFinish={(values) => void submit(values)}>
          <Form.Item name="principal" label={t('signIn.principal')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('signIn.submit')}
          </Button>
        </Form>
        {selfRegistration.data && (
          <Typography.Paragraph style={{ marginTop: 16, marginBottom: 0, textAlign: 'center' }}>
            {t('signUp.prompt')}{' '}
            <Link to="/sign-up" data-testid="sign-up-link">
              {t('signUp.link')}
            </Link>
          </Typography.Paragraph>
        )}
      </Card>
    </div>
  );
}
