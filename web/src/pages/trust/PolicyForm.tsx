import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Radio, Select, Space, Switch } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, errorText } from '../../api/client';
import type { TrustPolicy } from '../../api/trust-models';
import { NOTATION_LEVELS, VERIFY_TIMESTAMP, policyKey, policyUrl, useTrustPolicy, type TrustScope } from './trustApi';

/** How notation signatures are checked, whether cosign ones need a Rekor entry, and who may sign keylessly; PUT …/trust/policy. */
export function PolicyForm({ scope, editable }: { scope: TrustScope; editable: boolean }) {
  const policy = useTrustPolicy(scope);
  if (policy.error) return <Alert type="error" message={policy.error.message} />;
  if (!policy.data) return null;
  // Remounted when what is saved changes, so that the edit starts from it.
  return <PolicyEditor key={JSON.stringify(policy.data)} scope={scope} saved={policy.data} editable={editable} />;
}

function PolicyEditor({ scope, saved, editable }: { scope: TrustScope; saved: TrustPolicy; editable: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<TrustPolicy>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const save = async (values: TrustPolicy) => {
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', policyUrl(scope), {
        ...values,
        trusted_identities: values.trusted_identities.map((id) => id.trim()).filter(Boolean),
        keyless_identities: (values.keyless_identities ?? [])
          .map((rule) => ({ issuer: (rule.issuer ?? '').trim(), subject: (rule.subject ?? '').trim() }))
          .filter((rule) => rule.issuer || rule.subject),
      });
      void message.success(t('trust.policy.saved'));
      await Promise.all([queryClient.invalidateQueries({ queryKey: policyKey(scope) }), queryClient.invalidateQueries({ queryKey: ['signatures'] })]);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form
      form={form}
      layout="horizontal"
      labelCol={{ flex: '240px' }}
      labelWrap
      initialValues={saved}
      disabled={!editable}
      onFinish={(values) => void save(values)}
      data-testid={scope === 'system' ? 'system-trust-policy' : 'trust-policy'}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="trust-policy-error" />}
      <Form.Item name="notation_level" label={t('trust.policy.level')} extra={t(`trust.policy.levelHint`)}>
        <Radio.Group options={NOTATION_LEVELS.map((level) => ({ value: level, label: t(`trust.level.${level}`) }))} />
      </Form.Item>
      <Form.Item name="trusted_identities" label={t('trust.policy.identities')} extra={t('trust.policy.identitiesHint')}>
        <Select mode="tags" tokenSeparators={[',', '\n']} open={false} suffixIcon={null} placeholder={t('trust.policy.identitiesPlaceholder')} />
      </Form.Item>
      <Form.Item name="notation_verify_timestamp" label={t('trust.policy.verifyTimestamp')} extra={t('trust.policy.verifyTimestampHint')}>
        <Radio.Group
          options={VERIFY_TIMESTAMP.map((when) => ({ value: when, label: t(`trust.verifyTimestamp.${when}`) }))}
          data-testid="notation-verify-timestamp"
        />
      </Form.Item>
      <Form.Item name="require_log_entry" label={t('trust.policy.requireLog')} valuePropName="checked" extra={t('trust.policy.requireLogHint')}>
        <Switch />
      </Form.Item>
      <Form.Item label={t('trust.policy.keyless')} extra={t('trust.policy.keylessHint')}>
        <Form.List name="keyless_identities">
          {(fields, { add, remove }) => (
            <Space direction="vertical" style={{ width: '100%' }} data-testid="keyless-identities">
              {fields.map((field, index) => (
                <Space.Compact key={field.key} style={{ width: '100%' }}>
                  <Form.Item name={[field.name, 'issuer']} noStyle rules={[{ required: true, whitespace: true, message: t('trust.material.required') }]}>
                    <Input placeholder={t('trust.policy.keylessIssuer')} aria-label={t('trust.policy.keylessIssuer')} data-testid={`keyless-issuer-${index}`} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'subject']} noStyle rules={[{ required: true, whitespace: true, message: t('trust.material.required') }]}>
                    <Input placeholder={t('trust.policy.keylessSubject')} aria-label={t('trust.policy.keylessSubject')} data-testid={`keyless-subject-${index}`} />
                  </Form.Item>
                  {editable && (
                    <Button onClick={() => remove(field.name)} aria-label={t('trust.policy.keylessRemove')}>
                      {t('trust.policy.keylessRemove')}
                    </Button>
                  )}
                </Space.Compact>
              ))}
              {editable && (
                <Button onClick={() => add({ issuer: '', subject: '' })} data-testid="add-keyless-identity">
                  {t('trust.policy.keylessAdd')}
                </Button>
              )}
            </Space>
          )}
        </Form.List>
      </Form.Item>
      {editable && (
        <Button type="primary" htmlType="submit" loading={busy} data-testid={scope === 'system' ? 'save-system-trust-policy' : 'save-trust-policy'}>
          {t('common.save')}
        </Button>
      )}
    </Form>
  );
}
