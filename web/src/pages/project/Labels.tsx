import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, ColorPicker, Form, Input, Modal, Popconfirm, Space, Table, Tag } from 'antd';
import type { Color } from 'antd/es/color-picker';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import type { ProjectLabel } from '../../api/project-models';
import { formatTime } from '../format';
import { pageSizeOptions, useListState } from '../paging';
import { errorText, type ProjectTabProps } from './shared';

interface LabelValues {
  name: string;
  color: string;
  description?: string;
}

/** The project's labels: create, edit, delete. */
export default function Labels({ project, can }: ProjectTabProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [editing, setEditing] = useState<ProjectLabel | 'new'>();
  const id = project.project_id;
  const labels = useQuery({
    queryKey: ['project-labels', id, list],
    queryFn: () => getPage<ProjectLabel>(apiUrl('/labels', {}, { scope: 'p', project_id: id, page: list.page, page_size: list.pageSize, name: list.search })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['project-labels', id] });

  const remove = async (label: ProjectLabel) => {
    try {
      await call('DELETE', apiUrl('/labels/{label_id}', { label_id: label.id }));
      void message.success(t('project.labels.deleted', { name: label.name }));
    } catch (failure) {
      void message.error(errorText(failure));
    }
    refresh();
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        {can('label', 'create') && (
          <Button type="primary" onClick={() => setEditing('new')} data-testid="new-label">
            {t('project.labels.new')}
          </Button>
        )}
        <Input.Search
          allowClear
          placeholder={t('common.search')}
          defaultValue={list.search}
          onSearch={(search) => setList({ search, page: 1 })}
          style={{ maxWidth: 320 }}
        />
      </Space>
      {labels.error && <Alert type="error" message={labels.error.message} />}
      <Table<ProjectLabel>
        rowKey="id"
        loading={labels.isFetching}
        dataSource={labels.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: list.page,
          pageSize: list.pageSize,
          total: labels.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions,
          showTotal: (count) => t('common.total', { count }),
          onChange: (page, pageSize) => setList({ page, pageSize }),
        }}
        columns={[
          { title: t('project.labels.name'), dataIndex: 'name', render: (name: string, label) => <Tag color={label.color || undefined}>{name}</Tag> },
          { title: t('project.labels.description'), dataIndex: 'description' },
          { title: t('projects.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          ...(can('label', 'update') || can('label', 'delete')
            ? [
                {
                  title: t('projects.actions'),
                  key: 'actions',
                  render: (_: unknown, label: ProjectLabel) => (
                    <Space>
                      {can('label', 'update') && (
                        <Button size="small" onClick={() => setEditing(label)}>
                          {t('project.labels.edit')}
                        </Button>
                      )}
                      {can('label', 'delete') && (
                        <Popconfirm
                          title={t('project.labels.deleteConfirm', { name: label.name })}
                          okText={t('common.delete')}
                          cancelText={t('common.cancel')}
                          okButtonProps={{ danger: true }}
                          onConfirm={() => remove(label)}
                        >
                          <Button danger size="small">
                            {t('common.delete')}
                          </Button>
                        </Popconfirm>
                      )}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <EditLabel
          label={editing === 'new' ? undefined : editing}
          projectId={id}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) {
              void message.success(t('project.labels.saved', { name: saved }));
              refresh();
            }
          }}
        />
      )}
    </Space>
  );
}

function EditLabel({ label, projectId, onClose }: { label?: ProjectLabel; projectId: number; onClose: (saved?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<LabelValues>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(undefined);
    const body = { name: values.name.trim(), color: values.color, description: values.description ?? '' };
    try {
      if (label) await call('PUT', apiUrl('/labels/{label_id}', { label_id: label.id }), body);
      else await call('POST', apiUrl('/labels'), { ...body, scope: 'p', project_id: projectId });
      onClose(body.name);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={label ? t('project.labels.editTitle', { name: label.name }) : t('project.labels.new')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => onClose()}
      destroyOnHidden
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="label-error" />}
      <Form form={form} layout="vertical" initialValues={{ name: label?.name ?? '', color: label?.color || '#1677ff', description: label?.description ?? '' }}>
        <Form.Item name="name" label={t('project.labels.name')} rules={[{ required: true, whitespace: true, message: t('project.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="color" label={t('project.labels.color')} getValueFromEvent={(color: Color) => color.toHexString()}>
          <ColorPicker disabledAlpha showText />
        </Form.Item>
        <Form.Item name="description" label={t('project.labels.description')}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
