import { Alert, Form, Input, InputNumber, Modal, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, call } from '../api/client';
import { useFormModal } from './common/useFormModal';

interface Values {
  project_name: string;
  public: boolean;
  storage_limit_gib?: number;
}

interface Props {
  open: boolean;
  isAdmin: boolean;
  onClose: (created?: string) => void;
}

const GIB = 1024 ** 3;

/** POST /projects; a refusal (name taken, bad name, not allowed) is shown as the API words it. */
export function CreateProject({ open, isAdmin, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const { error, save, footer } = useFormModal();

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      const limit = values.storage_limit_gib;
      await call('POST', apiUrl('/projects'), {
        project_name: values.project_name,
        metadata: { public: String(values.public) },
        ...(isAdmin && limit !== undefined ? { storage_limit: limit < 0 ? -1 : Math.round(limit * GIB) } : {}),
      });
      form.resetFields();
      onClose(values.project_name);
    });
  };

  return (
    <Modal
      open={open}
      title={t('projects.new')}
      // Save submits the form, so Enter in any field saves too.
      {...footer(submit, () => onClose(), 'create-project')}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="create-project-error" />}
      <Form form={form} name="create-project" layout="vertical" onFinish={() => void submit()} initialValues={{ public: false, storage_limit_gib: -1 }}>
        <Form.Item name="project_name" label={t('projects.name')} rules={[{ required: true, message: t('signIn.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="public" label={t('projects.public')} valuePropName="checked" extra={t('projects.publicHint')}>
          <Switch />
        </Form.Item>
        {isAdmin && (
          <Form.Item name="storage_limit_gib" label={t('projects.storageLimit')}>
            <InputNumber min={-1} step={1} style={{ width: '100%' }} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
