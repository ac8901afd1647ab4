import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, callJson, getJson, getPage } from '../../../api/client';
import type { Project } from '../../../api/models';
import type { CveExportExecution } from '../../../api/scan-admin-models';
import { useFormModal } from '../../common/useFormModal';
import { formatTime } from '../../format';
import { nameQuery } from '../../paging';

/** The report type an export reads, sent as X-Scan-Data-Type (Harbor's only one). */
const REPORT_TYPE = 'application/vnd.security.vulnerability.report; version=1.1';
const EXPORTS_KEY = ['admin', 'security', 'exports'];
const UNFINISHED = new Set(['Pending', 'Running', 'Scheduled']);

interface ExportValues {
  project: number;
  job_name?: string;
  repositories?: string;
  tags?: string;
  cveIds?: string;
}

function statusColor(status: string): string | undefined {
  if (status === 'Success') return 'green';
  if (status === 'Error') return 'red';
  if (UNFINISHED.has(status)) return 'blue';
  return undefined;
}

/** The caller's CVE exports (Harbor's /export/cve): a new one per project, each downloadable as CSV once written. */
export function CveExports({ cveId }: { cveId: string }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const exports = useQuery({
    queryKey: EXPORTS_KEY,
    queryFn: () => getJson<{ items: CveExportExecution[] }>(apiUrl('/export/cve/executions')),
    // While an export is being written, its state is checked every two seconds.
    refetchInterval: (query) => (query.state.data?.items.some((row) => UNFINISHED.has(row.status)) ? 2000 : false),
  });

  return (
    <Card
      title={t('scanAdmin.export.title')}
      size="small"
      extra={
        <Button onClick={() => setOpen(true)} data-testid="export-cves">
          {t('scanAdmin.export.new')}
        </Button>
      }
    >
      {exports.error && <Alert type="error" message={exports.error.message} />}
      <div data-testid="cve-exports">
        <Table<CveExportExecution>
          size="small"
          rowKey="id"
          loading={exports.isLoading}
          pagination={false}
          dataSource={exports.data?.items ?? []}
          locale={{ emptyText: t('scanAdmin.export.none') }}
          columns={[
            { title: t('scanAdmin.export.id'), dataIndex: 'id' },
            { title: t('scanAdmin.export.jobName'), dataIndex: 'job_name' },
            {
              title: t('scanAdmin.export.status'),
              dataIndex: 'status',
              render: (status: string) => <Tag color={statusColor(status)}>{t(`admin.status.${status}`, { defaultValue: status })}</Tag>,
            },
            { title: t('scanAdmin.export.started'), dataIndex: 'start_time', render: (time?: string) => (time ? formatTime(time, i18n.language) : '') },
            {
              title: t('scanAdmin.export.file'),
              key: 'file',
              render: (_, row) =>
                row.file_present ? (
                  <Typography.Link href={apiUrl('/export/cve/download/{execution_id}', { execution_id: row.id })} download data-testid="export-download">
                    {t('scanAdmin.export.download')}
                  </Typography.Link>
                ) : null,
            },
          ]}
        />
      </div>
      {open && <NewExport cveId={cveId} onClose={() => setOpen(false)} />}
    </Card>
  );
}

/** POST /export/cve for one project, narrowed by repositories, tags and CVE ids as Harbor's request takes them. */
function NewExport({ cveId, onClose }: { cveId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ExportValues>();
  const { error, save, footer } = useFormModal();
  const [search, setSearch] = useState('');
  const projects = useQuery({
    queryKey: ['admin', 'security', 'export-projects', search],
    queryFn: () => getPage<Project>(apiUrl('/projects', {}, { page: 1, page_size: 20, q: nameQuery(search) })),
  });

  const submit = async (values: ExportValues) => {
    await save(async () => {
      const created = await callJson<{ id: number }>(
        'POST',
        apiUrl('/export/cve'),
        {
          job_name: values.job_name?.trim() ?? '',
          projects: [values.project],
          repositories: values.repositories?.trim() || undefined,
          tags: values.tags?.trim() || undefined,
          cveIds: values.cveIds?.trim() || undefined,
        },
        { 'X-Scan-Data-Type': REPORT_TYPE },
      );
      void message.success(t('scanAdmin.export.startedMessage', { id: created.id }));
      await queryClient.invalidateQueries({ queryKey: EXPORTS_KEY });
      onClose();
    });
  };

  return (
    <Modal open title={t('scanAdmin.export.new')} {...footer(async () => undefined, onClose, 'cve-export-form')} okText={t('scanAdmin.export.submit')}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="export-error" />}
      <Form form={form} name="cve-export-form" layout="vertical" initialValues={{ cveIds: cveId }} onFinish={(values) => void submit(values)}>
        <Form.Item name="project" label={t('scanAdmin.export.project')} rules={[{ required: true, message: t('scanAdmin.export.projectRequired') }]}>
          <Select<number>
            showSearch
            filterOption={false}
            onSearch={setSearch}
            loading={projects.isFetching}
            options={(projects.data?.items ?? []).map((project) => ({ value: project.project_id ?? 0, label: project.name }))}
          />
        </Form.Item>
        <Form.Item name="job_name" label={t('scanAdmin.export.jobName')}>
          <Input />
        </Form.Item>
        <Form.Item name="repositories" label={t('scanAdmin.export.repositories')} extra={t('scanAdmin.export.patternsHelp')}>
          <Input />
        </Form.Item>
        <Form.Item name="tags" label={t('scanAdmin.export.tags')}>
          <Input />
        </Form.Item>
        <Form.Item name="cveIds" label={t('scanAdmin.export.cveIds')}>
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}
