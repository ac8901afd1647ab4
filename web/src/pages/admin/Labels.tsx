import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, ColorPicker, Form, Input, Modal, Popconfirm, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import type { Label } from '../../api/admin-models';
import { formatTime } from '../format';
import { nameQuery, pageSizeOptions, useListState } from '../paging';
import { errorText } from './adminPaging';

interface Values {
  name: string;
  description: string;
  color: string;
}

/** Global labels (scope g), paged and searched by the server: create, edit, delete. */
export function Labels() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [editing, setEditing] = useState<Label | 'new'>();
  const labels = useQuery({
    queryKey: ['admin', 'labels', list],
    queryFn: () => getPage<Label>(apiUrl('/labels', {}, { scope: 'g', page: list.page, page_size: list.pageSize, q: nameQuery(list.search) })),
    placeholderData: keepPreviousData,
  });

  const remove = async (label: Label) => {
    try {
      await call('DELETE', apiUrl('/labels/{label_id}', { label_id: label.id }));
      void message.success(t('admin.labels.deleted', { name: label.name }));
    } catch (failure) {
      void message.error(errorText(failure));
    }
    await queryClient.invalidateQueries({ queryKey: ['admin', 'labels'] });
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Button type="primary" onClick={() => setEditing('new')} data-testid="new-label">
          {t('admin.labels.new')}
        </Button>
        <Input.Search
          allowClear
          placeholder={t('common.search')}
          defaultValue={list.search}
          onSearch={(search) => setList({ search, page: 1 })}
          style={{ maxWidth: 320 }}
        />
      </Space>
      {labels.error && <Alert type="error" message={labels.error.message} />}
      <Table<Label>
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
          { title: t('admin.labels.name'), dataIndex: 'name', render: (name: string, label) => <Tag color={label.color || undefined}>{name}</Tag> },
          { title: t('admin.labels.description'), dataIndex: 'description' },
          { title: t('admin.labels.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          {
            title: t('admin.actions'),
            key: 'actions',
            render: (_, label) => (
              <Space wrap>
                <Button size="small" onClick={() => setEditing(label)}>
                  {t('admin.labels.edit')}
                </Button>
                <Popconfirm
                  title={t('admin.labels.deleteConfirm', { name: label.name })}
                  okText={t('common.delete')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => remove(label)}
                >
                  <Button danger size="small">
                    {t('common.delete')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {editing !== undefined && (
        <EditLabel
          label={editing === 'new' ? undefined : editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) {
              void message.success(t('admin.labels.saved', { name: saved }));
              void queryClient.invalidateQueries({ queryKey: ['admin', 'labels'] });
            }
          }}
        />
      )}
    </Space>
  );
}

/** POST /labels (scope g) or PUT /labels/{id}; a refusal is shown as the API words it. */
function EditLabel({ label, onClose }: { label: Label | undefined; onClose: (saved?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(undefined);
    const body = { name: values.name, description: values.description, color: values.color };
    try {
      if (label) await call('PUT', apiUrl('/labels/{label_id}', { label_id: label.id }), body);
      else await call('POST', apiUrl('/labels'), { ...body, scope: 'g' });
      onClose(values.name);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={label ? t('admin.labels.editTitle', { name: label.name }) : t('admin.labels.new')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => onClose()}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="label-error" />}
      <Form form={form} layout="vertical" initialValues={{ name: label?.name ?? '', description: label?.description ?? '', color: label?.color || '#1677FF' }}>
        <Form.Item name="name" label={t('admin.labels.name')} rules={[{ required: true, message: t('signIn.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t('admin.labels.description')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="color" label={t('admin.labels.color')} getValueFromEvent={(_, hex: string) => hex.toUpperCase()}>
          <ColorPicker format="hex" disabledAlpha showText />
        </Form.Item>
      </Form>
    </Modal>
  );
}
