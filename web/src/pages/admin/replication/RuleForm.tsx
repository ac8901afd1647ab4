import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, Form, Input, InputNumber, Modal, Radio, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson } from '../../../api/client';
import type { Registry } from '../../../api/registries-models';
import type { ReplicationPolicy } from '../../../api/replication-models';
import { SCHEDULE_PRESETS } from '../../SchedulePicker';
import { useFormModal } from '../../common/useFormModal';
import { REGISTRIES_KEY } from '../registries/Registries';
import { PreviewPanel } from './PreviewPanel';
import { bodyOf, FLATTENING, NEW_RULE, valuesOf, type RuleValues } from './rules';

const ALL = 100;
const SCHEDULES = ['Hourly', 'Daily', 'Weekly', 'Custom'] as const;

/**
 * Harbor's replication rule dialog: name, mode (push: this registry → an endpoint; pull: an
 * endpoint → this registry), source filters, destination namespace and flattening, trigger,
 * override, bandwidth and enabled. "Preview" lists what the rule as entered would replicate now.
 */
export function RuleForm({ policy, onClose }: { policy: ReplicationPolicy | undefined; onClose: (saved?: boolean) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<RuleValues>();
  const { error, busy, save } = useFormModal();
  const [preview, setPreview] = useState<RuleValues>();
  const mode = Form.useWatch('mode', form) ?? NEW_RULE.mode;
  const trigger = Form.useWatch('trigger', form) ?? NEW_RULE.trigger;
  const schedule = Form.useWatch('schedule', form) ?? NEW_RULE.schedule;
  const registries = useQuery({
    queryKey: [...REGISTRIES_KEY, 'choices'],
    queryFn: () => getJson<Registry[]>(apiUrl('/registries', {}, { page_size: ALL, sort: 'name' })),
  });
  const labels = useQuery({
    queryKey: ['admin', 'replication', 'labels'],
    queryFn: () => getJson<Array<{ name: string }>>(apiUrl('/labels', {}, { scope: 'g', page_size: ALL })),
  });

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      const body = bodyOf(values);
      if (policy) await call('PUT', apiUrl('/replication/policies/{id}', { id: policy.id }), body);
      else await call('POST', apiUrl('/replication/policies'), body);
      void message.success(t('replication.saved', { name: body.name }));
      onClose(true);
    });
  };

  const showPreview = async () => {
    const values = await form.validateFields(['registry', 'destNamespace', 'cron']);
    setPreview({ ...(form.getFieldsValue(true) as RuleValues), ...values });
  };

  const remote = (
    <Form.Item
      name="registry"
      label={t(mode === 'pull' ? 'replication.form.sourceRegistry' : 'replication.form.destRegistry')}
      rules={[{ required: true, message: t('replication.form.registryRequired') }]}
    >
      <Select
        loading={registries.isLoading}
        options={(registries.data ?? []).map((r) => ({ value: r.id, label: `${r.name}-${r.url}` }))}
        data-testid="rule-registry"
      />
    </Form.Item>
  );

  return (
    <Modal
      open
      title={policy ? t('replication.form.editTitle', { name: policy.name }) : t('replication.new')}
      onCancel={() => onClose()}
      destroyOnHidden
      width={720}
      footer={[
        <Button key="preview" onClick={() => void showPreview()} data-testid="rule-preview">
          {t('replication.preview.button')}
        </Button>,
        <Button key="cancel" onClick={() => onClose()}>
          {t('common.cancel')}
        </Button>,
        <Button key="save" type="primary" htmlType="submit" form="replication-rule-form" loading={busy} data-testid="rule-save">
          {t('common.save')}
        </Button>,
      ]}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="rule-error" />}
      <Form
        form={form}
        name="replication-rule-form"
        layout="vertical"
        onFinish={() => void submit()}
        onValuesChange={() => setPreview(undefined)}
        initialValues={policy ? valuesOf(policy) : NEW_RULE}
      >
        <Form.Item name="name" label={t('replication.name')} rules={[{ required: true, whitespace: true, message: t('replication.form.nameRequired') }]}>
          <Input autoFocus data-testid="rule-name" />
        </Form.Item>
        <Form.Item name="description" label={t('replication.description')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="mode" label={t('replication.form.mode')}>
          <Radio.Group
            onChange={() => form.setFieldValue('registry', undefined)}
            options={[
              { value: 'push', label: t('replication.form.push') },
              { value: 'pull', label: t('replication.form.pull') },
            ]}
          />
        </Form.Item>
        {mode === 'pull' && remote}
        <Typography.Text strong>{t('replication.form.filters')}</Typography.Text>
        <Form.Item name="nameFilter" label={t('replication.form.nameFilter')} extra={t('replication.form.nameFilterHelp')}>
          <Input placeholder="library/**" />
        </Form.Item>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item name="tagFilter" label={t('replication.form.tagFilter')} extra={t('replication.form.tagFilterHelp')} style={{ flex: 1 }}>
            <Input placeholder="v*" />
          </Form.Item>
          <Form.Item name="tagDecoration" label={t('replication.form.tagDecoration')} style={{ width: 180 }}>
            <Select
              options={[
                { value: 'matches', label: t('replication.form.matches') },
                { value: 'excludes', label: t('replication.form.excludes') },
              ]}
            />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="labels" label={t('replication.form.labelFilter')}>
          <Select mode="tags" options={(labels.data ?? []).map((l) => ({ value: l.name, label: l.name }))} />
        </Form.Item>
        <Form.Item name="resource" label={t('replication.form.resource')}>
          <Select
            options={[
              { value: 'all', label: t('replication.form.resourceAll') },
              { value: 'image', label: t('replication.form.resourceImage') },
              { value: 'artifact', label: t('replication.form.resourceArtifact') },
            ]}
          />
        </Form.Item>
        {mode === 'push' && remote}
        <Form.Item
          name="destNamespace"
          label={t('replication.form.destNamespace')}
          extra={t('replication.form.destNamespaceHelp')}
          rules={[{ pattern: /^([a-z0-9]+(?:[._-][a-z0-9]+)*)(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, message: t('replication.form.destNamespaceInvalid') }]}
        >
          <Input data-testid="rule-namespace" />
        </Form.Item>
        <Form.Item name="flattening" label={t('replication.form.flattening')}>
          <Select options={FLATTENING.map((count) => ({ value: count, label: t(`replication.flatten.${count}`) }))} data-testid="rule-flattening" />
        </Form.Item>
        <Form.Item name="trigger" label={t('replication.form.trigger')}>
          <Select
            options={(['manual', 'scheduled', 'event_based'] as const).map((type) => ({ value: type, label: t(`replication.trigger.${type}`) }))}
            data-testid="rule-trigger"
          />
        </Form.Item>
        {trigger === 'scheduled' && (
          <Space wrap align="start">
            <Form.Item name="schedule" label={t('schedule.label')}>
              <Select style={{ minWidth: 160 }} options={SCHEDULES.map((type) => ({ value: type, label: t(`schedule.type.${type}`) }))} />
            </Form.Item>
            {schedule === 'Custom' ? (
              <Form.Item name="cron" label={t('schedule.cron')} rules={[{ required: true, whitespace: true, message: t('replication.form.cronRequired') }]}>
                <Input placeholder={t('schedule.cronPlaceholder')} style={{ width: 240 }} />
              </Form.Item>
            ) : (
              <Form.Item label={t('schedule.cron')}>
                <Typography.Text code>{SCHEDULE_PRESETS[schedule]}</Typography.Text>
              </Form.Item>
            )}
          </Space>
        )}
        {trigger === 'event_based' && mode === 'push' && (
          <Form.Item name="replicateDeletion" valuePropName="checked" style={{ marginBottom: 8 }}>
            <Checkbox>{t('replication.form.replicateDeletion')}</Checkbox>
          </Form.Item>
        )}
        <Form.Item name="override" valuePropName="checked" style={{ marginBottom: 8 }} extra={t('replication.form.overrideHelp')}>
          <Checkbox data-testid="rule-override">{t('replication.form.override')}</Checkbox>
        </Form.Item>
        <Form.Item name="speed" label={t('replication.form.speed')} extra={t('replication.form.speedHelp')}>
          <InputNumber min={1} max={10_000_000} precision={0} addonAfter="KB/s" style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="enabled" valuePropName="checked" style={{ marginBottom: 0 }}>
          <Checkbox data-testid="rule-enabled">{t('replication.form.enabled')}</Checkbox>
        </Form.Item>
      </Form>
      {preview && <PreviewPanel body={bodyOf(preview)} />}
    </Modal>
  );
}
