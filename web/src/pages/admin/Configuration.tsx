import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, InputNumber, Select, Space, Switch, Tabs, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson } from '../../api/client';
import type { Configurations } from '../../api/admin-models';
import { errorText } from '../../api/client';
import { SystemAllowlist } from '../allowlist/SystemAllowlist';
import { SystemTrust } from '../trust/SystemTrust';
import { Authentication } from './auth/Authentication';

const GIB = 1024 ** 3;

interface Values {
  self_registration: boolean;
  project_creation_restriction: 'everyone' | 'adminonly';
  storage_gib: number;
  read_only: boolean;
}

/** The system settings an administrator changes here, through GET/PUT /configurations. */
export function Configuration() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const config = useQuery({ queryKey: ['admin', 'configurations'], queryFn: () => getJson<Configurations>(apiUrl('/configurations')) });

  useEffect(() => {
    const data = config.data;
    if (!data) return;
    const storage = data.storage_per_project.value;
    form.setFieldsValue({
      self_registration: data.self_registration.value,
      project_creation_restriction: data.project_creation_restriction.value,
      storage_gib: storage < 0 ? -1 : Number((storage / GIB).toFixed(3)),
      read_only: data.read_only.value,
    });
  }, [config.data, form]);

  const save = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/configurations'), {
        self_registration: values.self_registration,
        project_creation_restriction: values.project_creation_restriction,
        storage_per_project: values.storage_gib < 0 ? -1 : Math.max(1, Math.round(values.storage_gib * GIB)),
        read_only: values.read_only,
      });
      void message.success(t('admin.config.saved'));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
    await queryClient.invalidateQueries({ queryKey: ['admin', 'configurations'] });
  };

  if (config.error) return <Alert type="error" message={config.error.message} />;
  const editable = (key: keyof Configurations) => config.data?.[key].editable !== false;
  const settings = (
    <Card loading={config.isLoading} style={{ maxWidth: 720 }}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="config-error" />}
      <Form form={form} layout="vertical" onFinish={() => void save()}>
        <Form.Item label={t('admin.config.authMode')}>
          <Typography.Text strong data-testid="auth-mode">
            {t(`admin.config.auth.${config.data?.auth_mode.value ?? 'db_auth'}`, { defaultValue: config.data?.auth_mode.value ?? '' })}
          </Typography.Text>
        </Form.Item>
        <Form.Item name="self_registration" label={t('admin.config.selfRegistration')} valuePropName="checked" extra={t('admin.config.selfRegistrationHint')}>
          <Switch disabled={!editable('self_registration')} data-testid="self-registration" />
        </Form.Item>
        <Form.Item name="project_creation_restriction" label={t('admin.config.projectCreation')}>
          <Select
            disabled={!editable('project_creation_restriction')}
            options={[
              { value: 'everyone', label: t('admin.config.everyone') },
              { value: 'adminonly', label: t('admin.config.adminOnly') },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="storage_gib"
          label={t('admin.config.storagePerProject')}
          rules={[
            {
              validator: (_, value: number | null) =>
                value === null || value === 0 || value < -1 ? Promise.reject(new Error(t('admin.config.storageRule'))) : Promise.resolve(),
            },
          ]}
        >
          <InputNumber min={-1} step={1} style={{ width: '100%' }} disabled={!editable('storage_per_project')} />
        </Form.Item>
        <Form.Item name="read_only" label={t('admin.config.readOnly')} valuePropName="checked" extra={t('admin.config.readOnlyHint')}>
          <Switch disabled={!editable('read_only')} data-testid="read-only" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="save-config">
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
  return (
    <Tabs
      items={[
        {
          key: 'system',
          label: t('oidc.tabs.system'),
          children: (
            <Space direction="vertical" size="large" style={{ width: '100%' }}>
              {settings}
              <SystemAllowlist />
              <SystemTrust />
            </Space>
          ),
        },
        { key: 'authentication', label: <span data-testid="auth-tab">{t('oidc.tabs.authentication')}</span>, children: <Authentication /> },
      ]}
    />
  );
}
