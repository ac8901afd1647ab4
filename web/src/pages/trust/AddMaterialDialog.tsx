import { Alert, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import type { TrustMaterialInput } from '../../api/trust-models';
import { useFormModal } from '../common/useFormModal';
import { MATERIAL_KINDS, materialUrl, type TrustScope } from './trustApi';

/** POST …/trust/material: a key or root certificate as PEM, or a Sigstore trusted root as JSON; the API says why one is refused. */
export function AddMaterialDialog({ scope, open, onClose }: { scope: TrustScope; open: boolean; onClose: (added: boolean) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<TrustMaterialInput>();
  const { error, setError, save, footer } = useFormModal();
  const required = [{ required: true, whitespace: true, message: t('trust.material.required') }];
  const isRoot = Form.useWatch('kind', form) === 'sigstore-root';

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      await call('POST', materialUrl(scope), { ...values, name: values.name.trim(), pem: values.pem.trim() });
      form.resetFields();
      onClose(true);
    });
  };
  const cancel = () => {
    setError(undefined);
    onClose(false);
  };

  return (
    <Modal open={open} title={t('trust.material.addTitle')} {...footer(submit, cancel)} okText={t('trust.material.addOk')} width={640}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="add-material-error" />}
      <Form form={form} layout="vertical" initialValues={{ kind: 'cosign-key' }}>
        <Form.Item name="kind" label={t('trust.material.kind')} extra={t('trust.material.kindHint')}>
          <Select options={MATERIAL_KINDS.map((kind) => ({ value: kind, label: t(`trust.kind.${kind}`) }))} data-testid="material-kind" />
        </Form.Item>
        <Form.Item name="name" label={t('trust.material.name')} rules={required}>
          <Input autoComplete="off" maxLength={255} />
        </Form.Item>
        <Form.Item
          name="pem"
          label={t(isRoot ? 'trust.material.rootJson' : 'trust.material.pem')}
          rules={required}
          extra={t(isRoot ? 'trust.material.rootJsonHint' : 'trust.material.pemHint')}
        >
          <Input.TextArea
            rows={8}
            spellCheck={false}
            style={{ fontFamily: 'monospace' }}
            placeholder={isRoot ? '{ "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", … }' : '-----BEGIN PUBLIC KEY-----'}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
