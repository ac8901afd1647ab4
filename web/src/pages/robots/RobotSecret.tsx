import { Alert, App, Button, Input, Modal, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** The secret of a robot, shown once. */
export interface ShownSecret {
  name: string;
  secret: string;
}

/** The secret, shown once, with a button that copies it. */
export function RobotSecret({ shown, onClose }: { shown?: ShownSecret; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown?.secret ?? '');
      void message.success(t('project.robots.copied'));
    } catch {
      void message.error(t('project.robots.copyFailed'));
    }
  };
  return (
    <Modal
      open={shown !== undefined}
      title={t('project.robots.secretTitle', { name: shown?.name ?? '' })}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('project.robots.done')}
        </Button>
      }
      destroyOnHidden
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Alert type="warning" message={t('project.robots.secretOnce')} />
        <Typography.Text strong>{t('project.robots.name')}</Typography.Text>
        <Input readOnly value={shown?.name} data-testid="robot-name" aria-label={t('project.robots.name')} />
        <Typography.Text strong>{t('project.robots.secret')}</Typography.Text>
        <Space.Compact style={{ width: '100%' }}>
          <Input readOnly value={shown?.secret} data-testid="robot-secret" aria-label={t('project.robots.secret')} />
          <Button onClick={() => void copy()} data-testid="copy-secret">
            {t('project.robots.copy')}
          </Button>
        </Space.Compact>
      </Space>
    </Modal>
  );
}
