import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call } from '../../api/client';
import type { ProjectMetadata } from '../../api/project-models';
import { allowlistBody, allowlistValue } from '../allowlist/systemAllowlist';
import { ProxyCacheSettings, proxySpeedValue } from './ProxyCacheSettings';
import { errorText, type ProjectTabProps } from './shared';
import { VulnerabilitySettings, type VulnerabilityValues } from './VulnerabilitySettings';

/** The project's registry and deployment switches; the vulnerability ones are VulnerabilitySettings'. */
const GENERAL_SWITCHES = ['public', 'enable_content_trust_cosign', 'enable_content_trust', 'require_verified_signature'] as const;
const VULNERABILITY_SWITCHES = ['prevent_vul', 'auto_scan', 'auto_sbom_generation', 'reuse_sys_cve_allowlist'] as const;
/** Each switch's label and hint: `<prefix><key>` and `<prefix><key>Hint`. */
const SECTIONS: Array<{ title: string; prefix: string; switches: ReadonlyArray<(typeof GENERAL_SWITCHES)[number]> }> = [
  { title: 'scanPolicy.project.registry', prefix: 'project.config.', switches: ['public'] },
  {
    title: 'scanPolicy.project.deploymentSecurity',
    prefix: 'trust.config.',
    switches: ['enable_content_trust_cosign', 'enable_content_trust', 'require_verified_signature'],
  },
];

type Values = Record<(typeof GENERAL_SWITCHES)[number], boolean> & VulnerabilityValues & { proxy_speed_kb?: number };

function initialValues(project: ProjectTabProps['project']): Values {
  const metadata: ProjectMetadata = project.metadata;
  const on = (key: keyof ProjectMetadata) => metadata[key] === 'true';
  return {
    public: on('public'),
    enable_content_trust: on('enable_content_trust'),
    enable_content_trust_cosign: on('enable_content_trust_cosign'),
    require_verified_signature: on('require_verified_signature'),
    prevent_vul: on('prevent_vul'),
    severity: metadata.severity ?? 'low',
    auto_scan: on('auto_scan'),
    auto_sbom_generation: on('auto_sbom_generation'),
    // Unset, a project reuses the system's list (Harbor's default, and the pull gate's).
    reuse_sys_cve_allowlist: metadata.reuse_sys_cve_allowlist !== 'false',
    cve_allowlist: allowlistValue(project.cve_allowlist),
    ...(project.registry_id !== undefined ? { proxy_speed_kb: proxySpeedValue(metadata.proxy_speed_kb) } : {}),
  };
}

/** The project's settings (Harbor's configuration page), saved together with PUT /projects/{p}. */
export default function Configuration({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const editable = can('.', 'update');

  const save = async () => {
    await form.validateFields();
    // Every value, also of fields not shown now (the project's list while the system's is chosen).
    const values = form.getFieldsValue(true) as Values;
    setBusy(true);
    setError(undefined);
    try {
      const metadata: Record<string, string> = Object.fromEntries([...GENERAL_SWITCHES, ...VULNERABILITY_SWITCHES].map((key) => [key, String(values[key])]));
      metadata.severity = values.severity;
      if (project.registry_id !== undefined && values.proxy_speed_kb !== undefined) metadata.proxy_speed_kb = String(values.proxy_speed_kb);
      await call('PUT', apiUrl('/projects/{project_name_or_id}', { project_name_or_id: project.project_id }), {
        metadata,
        cve_allowlist: allowlistBody(values.cve_allowlist),
      });
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
    <Space direction="vertical" size="middle" style={{ width: '100%', maxWidth: 800 }}>
      {!editable && <Alert type="info" message={t('project.config.readOnly')} />}
      {error && <Alert type="error" message={error} data-testid="config-error" />}
      <Form form={form} layout="horizontal" labelCol={{ flex: '280px' }} labelWrap initialValues={initialValues(project)} disabled={!editable}>
        {SECTIONS.map(({ title, prefix, switches }) => (
          <div key={title}>
            <Typography.Title level={5} style={{ marginTop: 8 }}>
              {t(title)}
            </Typography.Title>
            {switches.map((key) => (
              <Form.Item key={key} name={key} label={t(`${prefix}${key}`)} valuePropName="checked" extra={t(`${prefix}${key}Hint`)}>
                <Switch />
              </Form.Item>
            ))}
          </div>
        ))}
        <VulnerabilitySettings editable={editable} />
        {project.registry_id !== undefined && <ProxyCacheSettings />}
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
