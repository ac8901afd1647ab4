import { App, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call } from '../api/client';

interface Props {
  userId: number;
  open: boolean;
  onClose: () => void;
}

/** PUT /users/{id}/password; the API's refusal (a weak or wrong password) is shown as it says it. */
export function ChangePassword({ userId, open, onClose }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ old_password: string; new_password: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/users/{user_id}/password', { user_id: userId }), values);
      void message.success(t('password.changed'));
      form.resetFields();
      onClose();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('header.changePassword')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="old_password" label={t('password.old')} rules={[{ required: true, message: t('signIn.required') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item
          name="new_password"
          label={t('password.new')}
          rules={[{ required: true, message: t('signIn.required') }]}
          help={error}
          validateStatus={error ? 'error' : undefined}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
