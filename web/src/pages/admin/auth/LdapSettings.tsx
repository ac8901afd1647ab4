import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, InputNumber, Select, Space, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, callJson, errorText, getJson } from '../../../api/client';
import type { Configurations } from '../../../api/admin-models';

interface Values {
  ldap_url: string;
  ldap_search_dn: string;
  /** Write-only: empty keeps the stored password. */
  ldap_search_password: string;
  ldap_base_dn: string;
  ldap_filter: string;
  ldap_uid: string;
  ldap_scope: number;
  ldap_timeout: number;
  ldap_verify_cert: boolean;
  ldap_group_base_dn: string;
  ldap_group_search_filter: string;
  ldap_group_attribute_name: string;
  ldap_group_search_scope: number;
  ldap_group_membership_attribute: string;
  ldap_group_admin_dn: string;
}

type TextKey = Exclude<keyof Values, 'ldap_scope' | 'ldap_timeout' | 'ldap_verify_cert' | 'ldap_group_search_scope' | 'ldap_search_password'>;
const TEXT_KEYS: readonly TextKey[] = ['ldap_url', 'ldap_search_dn', 'ldap_base_dn', 'ldap_filter', 'ldap_uid'];
const GROUP_TEXT_KEYS: readonly TextKey[] = [
  'ldap_group_base_dn',
  'ldap_group_search_filter',
  'ldap_group_attribute_name',
  'ldap_group_membership_attribute',
  'ldap_group_admin_dn',
];

interface PingResult {
  success: boolean;
  message: string;
}

/** Every ldap_* setting, a button that tries them with POST /ldap/ping, and save. */
export function LdapSettings() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState<'test' | 'save'>();
  const [ping, setPing] = useState<{ ok: boolean; text: string }>();
  const [error, setError] = useState<string>();
  const config = useQuery({ queryKey: ['admin', 'configurations'], queryFn: () => getJson<Configurations>(apiUrl('/configurations')) });

  useEffect(() => {
    const data = config.data;
    if (!data) return;
    form.setFieldsValue({
      ldap_url: data.ldap_url.value,
      ldap_search_dn: data.ldap_search_dn.value,
      ldap_search_password: '',
      ldap_base_dn: data.ldap_base_dn.value,
      ldap_filter: data.ldap_filter.value,
      ldap_uid: data.ldap_uid.value,
      ldap_scope: data.ldap_scope.value,
      ldap_timeout: data.ldap_timeout.value,
      ldap_verify_cert: data.ldap_verify_cert.value,
      ldap_group_base_dn: data.ldap_group_base_dn.value,
      ldap_group_search_filter: data.ldap_group_search_filter.value,
      ldap_group_attribute_name: data.ldap_group_attribute_name.value,
      ldap_group_search_scope: data.ldap_group_search_scope.value,
      ldap_group_membership_attribute: data.ldap_group_membership_attribute.value,
      ldap_group_admin_dn: data.ldap_group_admin_dn.value,
    });
  }, [config.data, form]);

  /** The password only when one was typed: the stored one stays otherwise. */
  const withoutBlankPassword = (values: Values): Partial<Values> => {
    const { ldap_search_password, ...rest } = values;
    return ldap_search_password ? { ...rest, ldap_search_password } : rest;
  };

  const test = async () => {
    const values = form.getFieldsValue();
    setBusy('test');
    setPing(undefined);
    try {
      const result = await callJson<PingResult>('POST', apiUrl('/ldap/ping'), {
        ldap_url: values.ldap_url,
        ldap_search_dn: values.ldap_search_dn,
        ...(values.ldap_search_password ? { ldap_search_password: values.ldap_search_password } : {}),
        ldap_base_dn: values.ldap_base_dn,
        ldap_filter: values.ldap_filter,
        ldap_uid: values.ldap_uid,
        ldap_scope: values.ldap_scope,
        ldap_connection_timeout: values.ldap_timeout,
        ldap_verify_cert: values.ldap_verify_cert,
      });
      setPing({ ok: result.success, text: result.success ? t('ldap.pingOk', { detail: result.message }) : result.message });
    } catch (failure) {
      setPing({ ok: false, text: t('ldap.pingFailed', { detail: errorText(failure) }) });
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    const values = await form.validateFields();
    setBusy('save');
    setError(undefined);
    try {
      await call('PUT', apiUrl('/configurations'), withoutBlankPassword(values));
      form.setFieldValue('ldap_search_password', '');
      void message.success(t('ldap.saved'));
      await queryClient.invalidateQueries({ queryKey: ['admin', 'configurations'] });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(undefined);
    }
  };

  const scopes = [
    { value: 0, label: t('ldap.scope.base') },
    { value: 1, label: t('ldap.scope.one') },
    { value: 2, label: t('ldap.scope.sub') },
  ];
  const text = (key: TextKey) => (
    <Form.Item key={key} name={key} label={t(`ldap.field.${key}`)} extra={t(`ldap.hint.${key}`)}>
      <Input data-testid={key} autoComplete="off" />
    </Form.Item>
  );

  return (
    <Card loading={config.isLoading} style={{ maxWidth: 720 }} title={t('ldap.title')}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="ldap-save-error" />}
      <Form form={form} layout="vertical" onFinish={() => void save()}>
        {TEXT_KEYS.slice(0, 2).map(text)}
        <Form.Item name="ldap_search_password" label={t('ldap.field.ldap_search_password')} extra={t('ldap.hint.ldap_search_password')}>
          <Input.Password data-testid="ldap_search_password" autoComplete="new-password" placeholder={t('ldap.passwordUnchanged')} />
        </Form.Item>
        {TEXT_KEYS.slice(2).map(text)}
        <Form.Item name="ldap_scope" label={t('ldap.field.ldap_scope')}>
          <Select options={scopes} data-testid="ldap_scope" />
        </Form.Item>
        <Form.Item name="ldap_timeout" label={t('ldap.field.ldap_timeout')}>
          <InputNumber min={1} max={3600} style={{ width: '100%' }} data-testid="ldap_timeout" />
        </Form.Item>
        <Form.Item name="ldap_verify_cert" label={t('ldap.field.ldap_verify_cert')} valuePropName="checked" extra={t('ldap.hint.ldap_verify_cert')}>
          <Switch data-testid="ldap_verify_cert" />
        </Form.Item>
        {GROUP_TEXT_KEYS.slice(0, 3).map(text)}
        <Form.Item name="ldap_group_search_scope" label={t('ldap.field.ldap_group_search_scope')}>
          <Select options={scopes} data-testid="ldap_group_search_scope" />
        </Form.Item>
        {GROUP_TEXT_KEYS.slice(3).map(text)}
        {ping && <Alert type={ping.ok ? 'success' : 'error'} message={ping.text} style={{ marginBottom: 16 }} data-testid="ldap-ping-result" />}
        <Space>
          <Button onClick={() => void test()} loading={busy === 'test'} data-testid="ldap-test">
            {t('ldap.test')}
          </Button>
          <Button type="primary" htmlType="submit" loading={busy === 'save'} data-testid="ldap-save">
            {t('common.save')}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
