import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText, getJson } from '../../../api/client';
import type { Registry, RegistryCreate, RegistryPing, RegistryProviderInfo, RegistryUpdate } from '../../../api/registries-models';
import { useFormModal } from '../../common/useFormModal';
import { providerName } from './providers';

interface RegistryValues {
  type: string;
  name: string;
  description?: string;
  url: string;
  access_key?: string;
  access_secret?: string;
  verify: boolean;
  ca_certificate?: string;
}

/**
 * Harbor's "New Registry Endpoint" dialog: adds an endpoint (POST /registries) or changes one
 * (PUT, the provider fixed); "Test connection" pings the settings as entered (POST
 * /registries/ping, by id when editing, so the stored secret is used unless a new one is typed).
 */
export function RegistryForm({ registry, onClose }: { registry: Registry | undefined; onClose: (saved?: boolean) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<RegistryValues>();
  const { error, busy, save } = useFormModal();
  const [ping, setPing] = useState<{ ok: true } | { ok: false; text: string }>();
  const [pinging, setPinging] = useState(false);
  const adapters = useQuery({ queryKey: ['admin', 'registries', 'adapters'], queryFn: () => getJson<string[]>(apiUrl('/replication/adapters')) });
  const infos = useQuery({
    queryKey: ['admin', 'registries', 'adapterinfos'],
    queryFn: () => getJson<Record<string, RegistryProviderInfo>>(apiUrl('/replication/adapterinfos')),
  });

  /** A hosted provider (Docker Hub, GHCR) has one address: fill it in. */
  const providerChosen = (type: string) => {
    const fixed = infos.data?.[type]?.endpoint_pattern;
    const endpoint = fixed?.endpoint_type === 'EndpointPatternTypeFix' ? fixed.endpoints[0]?.value : undefined;
    if (endpoint) form.setFieldValue('url', endpoint);
  };

  const update = (values: RegistryValues): RegistryUpdate => ({
    name: values.name.trim(),
    description: values.description ?? '',
    url: values.url.trim(),
    access_key: values.access_key?.trim() ?? '',
    ...(values.access_secret ? { access_secret: values.access_secret } : {}),
    insecure: !values.verify,
    ca_certificate: values.ca_certificate?.trim() ?? '',
  });

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      if (registry) {
        await call('PUT', apiUrl('/registries/{id}', { id: registry.id }), update(values));
      } else {
        const body: RegistryCreate = {
          name: values.name.trim(),
          description: values.description ?? '',
          url: values.url.trim(),
          type: values.type,
          insecure: !values.verify,
          ca_certificate: values.ca_certificate?.trim() ?? '',
          credential: { type: 'basic', access_key: values.access_key?.trim() ?? '', access_secret: values.access_secret ?? '' },
        };
        await call('POST', apiUrl('/registries'), body);
      }
      void message.success(t('registries.saved', { name: values.name.trim() }));
      onClose(true);
    });
  };

  const testConnection = async () => {
    const values = await form.validateFields(['type', 'url']);
    const all = { ...form.getFieldsValue(true), ...values } as RegistryValues;
    const { name: _name, description: _description, ...settings } = update({ ...all, name: all.name ?? '' });
    const body: RegistryPing = registry ? { id: registry.id, ...settings } : { type: all.type, ...settings };
    setPinging(true);
    setPing(undefined);
    try {
      await call('POST', apiUrl('/registries/ping'), body);
      setPing({ ok: true });
    } catch (failure) {
      setPing({ ok: false, text: errorText(failure) });
    } finally {
      setPinging(false);
    }
  };

  const storedSecret = registry !== undefined && registry.credential.access_secret !== '';
  return (
    <Modal
      open
      title={registry ? t('registries.form.editTitle', { name: registry.name }) : t('registries.new')}
      onCancel={() => onClose()}
      destroyOnHidden
      width={600}
      footer={[
        <Button key="test" onClick={() => void testConnection()} loading={pinging} data-testid="registry-test">
          {t('registries.form.test')}
        </Button>,
        <Button key="cancel" onClick={() => onClose()}>
          {t('common.cancel')}
        </Button>,
        <Button key="save" type="primary" htmlType="submit" form="registry-form" loading={busy} data-testid="registry-save">
          {t('common.save')}
        </Button>,
      ]}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="registry-error" />}
      {ping?.ok && <Alert type="success" message={t('registries.form.testPassed')} style={{ marginBottom: 16 }} data-testid="registry-test-passed" />}
      {ping?.ok === false && (
        <Alert type="error" message={t('registries.form.testFailed')} description={ping.text} style={{ marginBottom: 16 }} data-testid="registry-test-failed" />
      )}
      <Form
        form={form}
        name="registry-form"
        layout="vertical"
        onFinish={() => void submit()}
        onValuesChange={() => setPing(undefined)}
        initialValues={{
          type: registry?.type ?? 'harbor',
          name: registry?.name ?? '',
          description: registry?.description ?? '',
          url: registry?.url ?? '',
          access_key: registry?.credential.access_key ?? '',
          verify: registry ? !registry.insecure : true,
          ca_certificate: registry?.ca_certificate ?? '',
        }}
      >
        <Form.Item name="type" label={t('registries.provider')} rules={[{ required: true }]}>
          <Select
            disabled={registry !== undefined}
            loading={adapters.isLoading}
            onChange={providerChosen}
            options={(adapters.data ?? [registry?.type ?? 'harbor']).map((type) => ({ value: type, label: providerName(type) }))}
            data-testid="registry-provider"
          />
        </Form.Item>
        <Form.Item name="name" label={t('registries.name')} rules={[{ required: true, whitespace: true, message: t('registries.form.nameRequired') }]}>
          <Input autoFocus data-testid="registry-name" />
        </Form.Item>
        <Form.Item name="description" label={t('registries.description')}>
          <Input.TextArea rows={2} data-testid="registry-description-input" />
        </Form.Item>
        <Form.Item
          name="url"
          label={t('registries.url')}
          rules={[
            { required: true, whitespace: true, message: t('registries.form.urlRequired') },
            { type: 'url', message: t('registries.form.urlInvalid') },
          ]}
        >
          <Input placeholder="https://registry.example.com" data-testid="registry-url" />
        </Form.Item>
        <Form.Item name="access_key" label={t('registries.form.accessId')}>
          <Input autoComplete="off" data-testid="registry-access-key" />
        </Form.Item>
        <Form.Item name="access_secret" label={t('registries.form.accessSecret')}>
          <Input.Password
            autoComplete="new-password"
            placeholder={storedSecret ? t('registries.form.keepSecret') : undefined}
            data-testid="registry-access-secret"
          />
        </Form.Item>
        <Form.Item name="verify" valuePropName="checked" style={{ marginBottom: 8 }}>
          <Checkbox data-testid="registry-verify-cert">{t('registries.verifyCert')}</Checkbox>
        </Form.Item>
        <Form.Item name="ca_certificate" label={t('registries.form.caCertificate')} extra={t('registries.form.caCertificateHelp')}>
          <Input.TextArea rows={3} placeholder="-----BEGIN CERTIFICATE-----" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
