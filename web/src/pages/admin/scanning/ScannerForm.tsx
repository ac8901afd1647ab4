import { Alert, App, Button, Checkbox, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText } from '../../../api/client';
import type { ScannerAuth, ScannerRegistration, ScannerRegistrationReq } from '../../../api/scan-admin-models';
import { useFormModal } from '../../common/useFormModal';
import { authLabel } from './authLabel';

interface ScannerValues {
  name: string;
  description?: string;
  url: string;
  auth: ScannerAuth;
  username?: string;
  password?: string;
  token?: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
}

const AUTH_MODES: ScannerAuth[] = ['', 'Basic', 'Bearer', 'APIKey'];

/** The credential the API takes for the auth mode: `user:password` for Basic, else the token or key; none when left empty. */
function credentialOf(values: ScannerValues): string | undefined {
  if (values.auth === '') return undefined;
  if (values.auth === 'Basic') return values.username || values.password ? `${values.username ?? ''}:${values.password ?? ''}` : undefined;
  return values.token || undefined;
}

/** Adds a scanner (POST /scanners) or changes one (PUT); "Test connection" asks the adapter as entered (POST /scanners/ping). */
export function ScannerForm({ scanner, onClose }: { scanner: ScannerRegistration | undefined; onClose: (saved?: boolean) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<ScannerValues>();
  const auth = Form.useWatch('auth', form) ?? scanner?.auth ?? '';
  const { error, busy, save } = useFormModal();
  const [ping, setPing] = useState<{ ok: true } | { ok: false; text: string }>();
  const [pinging, setPinging] = useState(false);
  // Editing, an empty credential keeps the stored one as long as the auth mode stays.
  const storedCredential = scanner !== undefined && scanner.access_credential !== '' && auth === scanner.auth;

  const body = (values: ScannerValues): ScannerRegistrationReq => {
    const credential = credentialOf(values);
    return {
      name: values.name.trim(),
      description: values.description ?? '',
      url: values.url.trim(),
      auth: values.auth,
      ...(credential !== undefined ? { access_credential: credential } : {}),
      skip_certVerify: values.skip_certVerify,
      use_internal_addr: values.use_internal_addr,
      disabled: scanner?.disabled ?? false,
    };
  };

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      if (scanner) await call('PUT', apiUrl('/scanners/{registration_id}', { registration_id: scanner.uuid }), body(values));
      else await call('POST', apiUrl('/scanners'), body(values));
      void message.success(t('scanAdmin.scanners.saved', { name: values.name.trim() }));
      onClose(true);
    });
  };

  const testConnection = async () => {
    const values = await form.validateFields(['name', 'url']);
    const all = { ...form.getFieldsValue(true), ...values } as ScannerValues;
    const settings = body(all);
    setPinging(true);
    setPing(undefined);
    try {
      await call('POST', apiUrl('/scanners/ping'), { name: settings.name, url: settings.url, auth: settings.auth, access_credential: settings.access_credential });
      setPing({ ok: true });
    } catch (failure) {
      setPing({ ok: false, text: errorText(failure) });
    } finally {
      setPinging(false);
    }
  };

  const keepPlaceholder = storedCredential ? t('scanAdmin.form.keepCredential') : undefined;
  return (
    <Modal
      open
      title={scanner ? t('scanAdmin.form.editTitle', { name: scanner.name }) : t('scanAdmin.scanners.new')}
      onCancel={() => onClose()}
      destroyOnHidden
      width={560}
      footer={[
        <Button key="test" onClick={() => void testConnection()} loading={pinging} data-testid="scanner-test">
          {t('scanAdmin.form.test')}
        </Button>,
        <Button key="cancel" onClick={() => onClose()}>
          {t('common.cancel')}
        </Button>,
        <Button key="save" type="primary" htmlType="submit" form="scanner-form" loading={busy}>
          {t('common.save')}
        </Button>,
      ]}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="scanner-error" />}
      {ping?.ok && <Alert type="success" message={t('scanAdmin.form.testPassed')} style={{ marginBottom: 16 }} data-testid="scanner-test-passed" />}
      {ping?.ok === false && (
        <Alert type="error" message={t('scanAdmin.form.testFailed')} description={ping.text} style={{ marginBottom: 16 }} data-testid="scanner-test-failed" />
      )}
      <Form
        form={form}
        name="scanner-form"
        layout="vertical"
        onFinish={() => void submit()}
        onValuesChange={() => setPing(undefined)}
        initialValues={{
          name: scanner?.name ?? '',
          description: scanner?.description ?? '',
          url: scanner?.url ?? '',
          auth: (scanner?.auth ?? '') as ScannerAuth,
          skip_certVerify: scanner?.skip_certVerify ?? false,
          use_internal_addr: scanner?.use_internal_addr ?? false,
        }}
      >
        <Form.Item name="name" label={t('scanAdmin.scanners.name')} rules={[{ required: true, whitespace: true, message: t('scanAdmin.form.nameRequired') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t('scanAdmin.scanners.description')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item
          name="url"
          label={t('scanAdmin.form.url')}
          rules={[
            { required: true, whitespace: true, message: t('scanAdmin.form.urlRequired') },
            { type: 'url', message: t('scanAdmin.form.urlInvalid') },
          ]}
        >
          <Input placeholder="https://scanner.example.com:8080" />
        </Form.Item>
        <Form.Item name="auth" label={t('scanAdmin.scanners.auth')}>
          <Select<ScannerAuth> options={AUTH_MODES.map((mode) => ({ value: mode, label: authLabel(mode, t) }))} />
        </Form.Item>
        {auth === 'Basic' && (
          <>
            <Form.Item
              name="username"
              label={t('scanAdmin.form.username')}
              rules={[{ required: !storedCredential, message: t('scanAdmin.form.credentialRequired') }]}
            >
              <Input autoComplete="off" placeholder={keepPlaceholder} />
            </Form.Item>
            <Form.Item
              name="password"
              label={t('scanAdmin.form.password')}
              rules={[{ required: !storedCredential, message: t('scanAdmin.form.credentialRequired') }]}
            >
              <Input.Password autoComplete="new-password" placeholder={keepPlaceholder} />
            </Form.Item>
          </>
        )}
        {(auth === 'Bearer' || auth === 'APIKey') && (
          <Form.Item
            name="token"
            label={t(auth === 'Bearer' ? 'scanAdmin.form.token' : 'scanAdmin.form.apiKey')}
            rules={[{ required: !storedCredential, message: t('scanAdmin.form.credentialRequired') }]}
          >
            <Input.Password autoComplete="new-password" placeholder={keepPlaceholder} />
          </Form.Item>
        )}
        <Form.Item name="skip_certVerify" valuePropName="checked" style={{ marginBottom: 8 }}>
          <Checkbox>{t('scanAdmin.form.skipCertVerify')}</Checkbox>
        </Form.Item>
        <Form.Item name="use_internal_addr" valuePropName="checked" extra={t('scanAdmin.form.internalAddressHelp')}>
          <Checkbox>{t('scanAdmin.form.internalAddress')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
