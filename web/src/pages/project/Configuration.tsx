import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Select, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call } from '../../api/client';
import type { ProjectMetadata } from '../../api/project-models';
import { errorText, type ProjectTabProps } from './shared';

/** The boolean metadata keys Berth keeps for a project (src/projects/metadata.ts), besides `severity`. */
const SWITCHES = [
  'public',
  'auto_scan',
  'prevent_vul',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'reuse_sys_cve_allowlist',
  'auto_sbom_generation',
] as const;
const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;

type Values = Record<(typeof SWITCHES)[number], boolean> & { severity: string };

/** Public or private, and the project's other metadata, saved with PUT /projects/{p}. */
export default function Configuration({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const editable = can('.', 'update');
  const metadata: ProjectMetadata = project.metadata;
  const initial = Object.fromEntries([...SWITCHES.map((key) => [key, metadata[key] === 'true']), ['severity', metadata.severity ?? 'low']]) as Values;
  const preventing = Form.useWatch('prevent_vul', form);

  const save = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(undefined);
    try {
      const next: Record<string, string> = Object.fromEntries(SWITCHES.map((key) => [key, String(values[key])]));
      next.severity = values.severity;
      await call('PUT', apiUrl('/projects/{project_name_or_id}', { project_name_or_id: project.project_id }), { metadata: next });
      void message.success(t('project.config.saved'));
      await queryClient.invalidateQueries({ queryKey: ['project'] });
      void queryClient.invalidateQueries({ queryKey: ['projects'] });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%', maxWidth: 720 }}>
      {!editable && <Alert type="info" message={t('project.config.readOnly')} />}
      {error && <Alert type="error" message={error} data-testid="config-error" />}
      <Form form={form} layout="horizontal" labelCol={{ flex: '280px' }} labelWrap initialValues={initial} disabled={!editable}>
        {SWITCHES.map((key) => (
          <Form.Item key={key} name={key} label={t(`project.config.${key}`)} valuePropName="checked" extra={t(`project.config.${key}Hint`)}>
            <Switch />
          </Form.Item>
        ))}
        <Form.Item name="severity" label={t('project.config.severity')} extra={t('project.config.severityHint')}>
          <Select
            disabled={!editable || !preventing}
            options={SEVERITIES.map((s) => ({ value: s, label: t(`project.config.severityLevel.${s}`) }))}
            style={{ maxWidth: 200 }}
          />
        </Form.Item>
      </Form>
      {editable && (
        <Typography.Paragraph>
          <Button type="primary" loading={busy} onClick={() => void save()} data-testid="save-config">
            {t('common.save')}
          </Button>
        </Typography.Paragraph>
      )}
    </Space>
  );
}
