import { Alert, App, Checkbox, Form, Input, InputNumber, Modal, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, callJson } from '../../api/client';
import type { Robot, RobotCreated, RobotPermissionRequest } from '../../api/project-models';
import { useFormModal } from '../common/useFormModal';
import type { ShownSecret } from './RobotSecret';

/** What every robot form holds besides its permissions. */
interface CommonValues {
  name?: string;
  description?: string;
  never?: boolean;
  days?: number;
}

const DEFAULT_DAYS = 30;

/**
 * The create and edit dialog shared by project and system robots. The permission fields are the
 * caller's (`children`, inside the same form); `toPermissions` turns the values into Harbor's
 * permissions, or undefined when none is chosen. Editing sends the robot back whole with PUT;
 * the expiry is sent only when changed, since the server counts a new duration from now.
 */
export function RobotForm<P extends object>({
  level,
  robot,
  initialPermissions,
  toPermissions,
  onClose,
  children,
}: {
  level: 'project' | 'system';
  robot?: Robot;
  initialPermissions: P;
  toPermissions: (values: P) => RobotPermissionRequest[] | undefined;
  onClose: (created?: ShownSecret, saved?: boolean) => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<CommonValues & P>();
  const { error, setError, save, footer } = useFormModal();
  const never = Form.useWatch('never', form);

  const initialValues: CommonValues = robot
    ? { description: robot.description, never: robot.duration === -1, days: robot.duration > 0 ? robot.duration : DEFAULT_DAYS }
    : { never: false, days: DEFAULT_DAYS };

  const submit = async () => {
    const values = await form.validateFields();
    const permissions = toPermissions(values);
    if (!permissions) {
      setError(t('project.robots.noPermission'));
      return;
    }
    const duration = values.never ? -1 : (values.days ?? DEFAULT_DAYS);
    await save(async () => {
      if (robot) {
        const expiryChanged = duration !== robot.duration;
        await call('PUT', apiUrl('/robots/{robot_id}', { robot_id: robot.id }), {
          ...robot,
          description: values.description ?? '',
          permissions,
          duration: expiryChanged ? duration : undefined,
        });
        void message.success(t('robots.saved', { name: robot.name }));
        onClose(undefined, true);
      } else {
        const created = await callJson<RobotCreated>('POST', apiUrl('/robots'), {
          name: (values.name ?? '').trim(),
          description: values.description ?? '',
          level,
          duration,
          permissions,
        });
        onClose({ name: created.name, secret: created.secret });
      }
    });
  };

  return (
    <Modal open width={760} title={robot ? t('robots.editTitle', { name: robot.name }) : t('project.robots.new')} {...footer(submit, () => onClose())}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="robot-error" />}
      <Form form={form} layout="vertical" initialValues={{ ...initialValues, ...initialPermissions }}>
        {robot ? (
          <Form.Item label={t('project.robots.name')}>
            <Input value={robot.name} disabled />
          </Form.Item>
        ) : (
          <Form.Item name="name" label={t('project.robots.name')} rules={[{ required: true, whitespace: true, message: t('project.required') }]}>
            <Input autoFocus />
          </Form.Item>
        )}
        <Form.Item name="description" label={t('project.robots.description')}>
          <Input />
        </Form.Item>
        <Form.Item label={t('robots.expiry')} required>
          <Space wrap>
            <Form.Item name="days" noStyle rules={[{ required: !never, message: t('project.required') }]}>
              <InputNumber min={1} step={1} precision={0} disabled={never} aria-label={t('robots.days')} addonAfter={t('robots.daysUnit')} />
            </Form.Item>
            <Form.Item name="never" valuePropName="checked" noStyle>
              <Checkbox>{t('robots.neverExpires')}</Checkbox>
            </Form.Item>
          </Space>
        </Form.Item>
        {robot && <Typography.Paragraph type="secondary">{t('robots.expiryFromNow')}</Typography.Paragraph>}
        {children}
      </Form>
    </Modal>
  );
}
