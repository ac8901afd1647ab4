import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText } from '../api/client';
import { CURRENT_USER_KEY } from './session';

interface Props {
  userId: number;
  secret: string;
  open: boolean;
  onClose: () => void;
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 32 random characters with an uppercase letter, a lowercase one and a digit (Harbor's rule for secrets). */
function randomSecret(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint32Array(32));
    const secret = Array.from(bytes, (n) => ALPHABET[n % ALPHABET.length]).join('');
    if (/[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9]/.test(secret)) return secret;
  }
}

/**
 * An OIDC user's CLI secret, the password for docker/podman login (GET /users/current shows it,
 * PUT /users/{id}/cli_secret changes it): shown on request, copied, regenerated or set.
 */
export function CliSecret({ userId, secret, open, onClose }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [shown, setShown] = useState(false);
  const [choosing, setChoosing] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ secret: string }>();

  const save = async (next: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/users/{user_id}/cli_secret', { user_id: userId }), { secret: next });
      await queryClient.invalidateQueries({ queryKey: CURRENT_USER_KEY });
      void message.success(t('oidc.cliSecret.changed'));
      setChoosing(false);
      form.resetFields();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    await navigator.clipboard.writeText(secret);
    void message.success(t('oidc.cliSecret.copied'));
  };

  return (
    <Modal open={open} title={t('oidc.cliSecret.title')} footer={null} onCancel={onClose} destroyOnClose>
      <Typography.Paragraph>{t('oidc.cliSecret.text')}</Typography.Paragraph>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="cli-secret-error" />}
      <Space.Compact style={{ width: '100%', marginBottom: 16 }}>
        <Input readOnly value={shown ? secret : '•'.repeat(16)} data-testid="cli-secret-value" aria-label={t('oidc.cliSecret.title')} />
        <Button onClick={() => setShown(!shown)} data-testid="cli-secret-show">
          {shown ? t('oidc.cliSecret.hide') : t('oidc.cliSecret.show')}
        </Button>
        <Button onClick={() => void copy()} data-testid="cli-secret-copy">
          {t('oidc.cliSecret.copy')}
        </Button>
      </Space.Compact>
      <Space wrap>
        <Button loading={busy && !choosing} onClick={() => void save(randomSecret())} data-testid="cli-secret-regenerate">
          {t('oidc.cliSecret.regenerate')}
        </Button>
        <Button onClick={() => setChoosing(!choosing)} data-testid="cli-secret-choose">
          {t('oidc.cliSecret.choose')}
        </Button>
      </Space>
      {choosing && (
        <Form form={form} layout="vertical" style={{ marginTop: 16 }} onFinish={({ secret: next }) => void save(next)}>
          <Form.Item name="secret" label={t('oidc.cliSecret.new')} extra={t('signUp.passwordHint')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input.Password autoComplete="new-password" data-testid="cli-secret-new" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="cli-secret-save">
            {t('common.save')}
          </Button>
        </Form>
      )}
    </Modal>
  );
}
