import { useQuery } from '@tanstack/react-query';
import { Alert, Form, Input, InputNumber, Modal, Select, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../api/client';
import type { Registry } from '../api/registries-models';
import { useFormModal } from './common/useFormModal';

interface Values {
  project_name: string;
  public: boolean;
  storage_limit_gib?: number;
  proxy_cache: boolean;
  registry_id?: number;
}

interface Props {
  open: boolean;
  isAdmin: boolean;
  onClose: (created?: string) => void;
}

const GIB = 1024 ** 3;

/** A system has a handful of registry endpoints: one page holds them. */
const ALL_REGISTRIES = 100;

/** POST /projects; a refusal (name taken, bad name, not allowed) is shown as the API words it. */
export function CreateProject({ open, isAdmin, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const { error, save, footer } = useFormModal();
  const proxyCache = Form.useWatch('proxy_cache', form) === true;
  // Only system administrators make proxy cache projects, and only they may list endpoints.
  const registries = useQuery({
    queryKey: ['admin', 'registries'],
    queryFn: () => getPage<Registry>(apiUrl('/registries', {}, { page_size: ALL_REGISTRIES, sort: 'name' })),
    enabled: open && isAdmin && proxyCache,
  });

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      const limit = values.storage_limit_gib;
      await call('POST', apiUrl('/projects'), {
        project_name: values.project_name,
        metadata: { public: String(values.public) },
        ...(isAdmin && limit !== undefined ? { storage_limit: limit < 0 ? -1 : Math.round(limit * GIB) } : {}),
        ...(isAdmin && values.proxy_cache && values.registry_id !== undefined ? { registry_id: values.registry_id } : {}),
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
      <Form
        form={form}
        name="create-project"
        layout="vertical"
        onFinish={() => void submit()}
        initialValues={{ public: false, storage_limit_gib: -1, proxy_cache: false }}
      >
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
        {isAdmin && (
          <Form.Item name="proxy_cache" label={t('projects.proxyCache')} valuePropName="checked" extra={t('projects.proxyCacheHint')}>
            <Switch data-testid="create-project-proxy-cache" />
          </Form.Item>
        )}
        {isAdmin && proxyCache && (
          <Form.Item name="registry_id" label={t('projects.proxyEndpoint')} rules={[{ required: true, message: t('projects.proxyEndpointRequired') }]}>
            <Select
              data-testid="create-project-endpoint"
              loading={registries.isLoading}
              options={(registries.data?.items ?? []).map((r) => ({ value: r.id, label: `${r.name} (${r.url})` }))}
              notFoundContent={t('projects.proxyNoEndpoints')}
            />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
