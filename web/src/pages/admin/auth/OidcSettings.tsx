import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Space, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText } from '../../../api/client';
import type { Configurations } from '../../../api/admin-models';

interface Values {
  oidc_name: string;
  oidc_endpoint: string;
  oidc_client_id: string;
  oidc_client_secret: string;
  oidc_groups_claim: string;
  oidc_admin_group: string;
  oidc_group_filter: string;
  oidc_scope: string;
  oidc_user_claim: string;
  oidc_verify_cert: boolean;
  oidc_auto_onboard: boolean;
  oidc_extra_redirect_parms: string;
  oidc_logout: boolean;
}

const TEXT_KEYS = [
  'oidc_name',
  'oidc_endpoint',
  'oidc_client_id',
  'oidc_groups_claim',
  'oidc_admin_group',
  'oidc_group_filter',
  'oidc_scope',
  'oidc_user_claim',
  'oidc_extra_redirect_parms',
] as const;
const FLAG_KEYS = ['oidc_verify_cert', 'oidc_auto_onboard', 'oidc_logout'] as const;

/**
 * The `oidc_*` settings of /configurations. The client secret is write-only, as the API keeps it:
 * left empty, the stored one stays; "Test OIDC server" reads the endpoint's discovery document.
 */
export function OidcSettings({ config }: { config: Configurations }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState<'save' | 'ping'>();
  const [error, setError] = useState<string>();
  const [redirectUri] = useState(() => `${location.origin}/c/oidc/callback`);

  useEffect(() => {
    const values: Partial<Values> = { oidc_client_secret: '' };
    for (const key of TEXT_KEYS) values[key] = String(config[key]?.value ?? '');
    for (const key of FLAG_KEYS) values[key] = config[key]?.value === true;
    form.setFieldsValue(values);
  }, [config, form]);

  const ping = async () => {
    const { oidc_endpoint, oidc_verify_cert } = form.getFieldsValue();
    setBusy('ping');
    setError(undefined);
    try {
      await call('POST', apiUrl('/system/oidc/ping'), { url: oidc_endpoint, verify_cert: oidc_verify_cert });
      void message.success(t('oidc.settings.pingOk'));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    const values = await form.validateFields();
    setBusy('save');
    setError(undefined);
    try {
      const { oidc_client_secret, ...rest } = values;
      // An empty secret field keeps the stored secret: it is never shown, so the field starts empty.
      await call('PUT', apiUrl('/configurations'), oidc_client_secret ? { ...rest, oidc_client_secret } : rest);
      form.setFieldValue('oidc_client_secret', '');
      void message.success(t('admin.config.saved'));
      await queryClient.invalidateQueries({ queryKey: ['admin', 'configurations'] });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={() => void save()} data-testid="oidc-settings">
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="oidc-settings-error" />}
      <Alert type="info" style={{ marginBottom: 16 }} message={t('oidc.settings.redirectUri', { uri: redirectUri })} />
      <Form.Item name="oidc_name" label={t('oidc.settings.name')} extra={t('oidc.settings.nameHint')}>
        <Input data-testid="oidc-name" />
      </Form.Item>
      <Form.Item
        name="oidc_endpoint"
        label={t('oidc.settings.endpoint')}
        extra={t('oidc.settings.endpointHint')}
        rules={[{ required: true, message: t('signIn.required') }]}
      >
        <Input placeholder="https://idp.example.com/realms/company" data-testid="oidc-endpoint" />
      </Form.Item>
      <Form.Item name="oidc_client_id" label={t('oidc.settings.clientId')} rules={[{ required: true, message: t('signIn.required') }]}>
        <Input data-testid="oidc-client-id" />
      </Form.Item>
      <Form.Item name="oidc_client_secret" label={t('oidc.settings.clientSecret')} extra={t('oidc.settings.clientSecretHint')}>
        <Input.Password autoComplete="new-password" data-testid="oidc-client-secret" />
      </Form.Item>
      <Form.Item name="oidc_scope" label={t('oidc.settings.scope')} extra={t('oidc.settings.scopeHint')}>
        <Input placeholder="openid,profile,email,offline_access" data-testid="oidc-scope" />
      </Form.Item>
      <Form.Item name="oidc_groups_claim" label={t('oidc.settings.groupsClaim')} extra={t('oidc.settings.groupsClaimHint')}>
        <Input placeholder="groups" data-testid="oidc-groups-claim" />
      </Form.Item>
      <Form.Item name="oidc_admin_group" label={t('oidc.settings.adminGroup')} extra={t('oidc.settings.adminGroupHint')}>
        <Input data-testid="oidc-admin-group" />
      </Form.Item>
      <Form.Item name="oidc_group_filter" label={t('oidc.settings.groupFilter')} extra={t('oidc.settings.groupFilterHint')}>
        <Input placeholder="^team-" data-testid="oidc-group-filter" />
      </Form.Item>
      <Form.Item name="oidc_user_claim" label={t('oidc.settings.userClaim')} extra={t('oidc.settings.userClaimHint')}>
        <Input placeholder="preferred_username" data-testid="oidc-user-claim" />
      </Form.Item>
      <Form.Item name="oidc_extra_redirect_parms" label={t('oidc.settings.extraParams')} extra={t('oidc.settings.extraParamsHint')}>
        <Input placeholder='{"prompt":"login"}' data-testid="oidc-extra-params" />
      </Form.Item>
      <Form.Item name="oidc_verify_cert" label={t('oidc.settings.verifyCert')} valuePropName="checked">
        <Switch data-testid="oidc-verify-cert" />
      </Form.Item>
      <Form.Item name="oidc_auto_onboard" label={t('oidc.settings.autoOnboard')} valuePropName="checked" extra={t('oidc.settings.autoOnboardHint')}>
        <Switch data-testid="oidc-auto-onboard" />
      </Form.Item>
      <Form.Item name="oidc_logout" label={t('oidc.settings.logout')} valuePropName="checked" extra={t('oidc.settings.logoutHint')}>
        <Switch data-testid="oidc-logout" />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" loading={busy === 'save'} data-testid="oidc-save">
          {t('common.save')}
        </Button>
        <Button onClick={() => void ping()} loading={busy === 'ping'} data-testid="oidc-ping">
          {t('oidc.settings.ping')}
        </Button>
      </Space>
    </Form>
  );
}
