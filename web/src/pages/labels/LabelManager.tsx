import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, ColorPicker, Form, Input, Modal, Space, Tag } from 'antd';
import type { Color } from 'antd/es/color-picker';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import type { Label } from '../../api/admin-models';
import { formatTime } from '../format';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { ListToolbar } from '../common/ListToolbar';
import { PagedTable } from '../common/PagedTable';
import { useFormModal } from '../common/useFormModal';
import { useRunAction } from '../common/useRunAction';
import { useListState } from '../paging';

/** Whose labels: the global ones (scope g, managed by system administrators) or one project's (scope p). */
export type LabelScope = { kind: 'global' } | { kind: 'project'; projectId: number };

interface LabelValues {
  name: string;
  color: string;
  description?: string;
}

/** The API's scope parameters for a list or a new label. */
function scopeParams(scope: LabelScope): { scope: 'g' | 'p'; project_id?: number } {
  return scope.kind === 'global' ? { scope: 'g' } : { scope: 'p', project_id: scope.projectId };
}

/**
 * Global or project labels, paged and searched by the server: create, edit, delete, each offered
 * only when `can('label', …)` allows it. A refusal is shown as the API words it.
 */
export function LabelManager({ scope, can }: { scope: LabelScope; can: (resource: string, action: string) => boolean }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [editing, setEditing] = useState<Label | 'new'>();
  const queryKey = ['labels', scopeParams(scope)];
  const labels = useQuery({
    queryKey: [...queryKey, list],
    queryFn: () => getPage<Label>(apiUrl('/labels', {}, { ...scopeParams(scope), page: list.page, page_size: list.pageSize, name: list.search })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey });

  const run = useRunAction(refresh);
  const remove = (label: Label) => run(() => call('DELETE', apiUrl('/labels/{label_id}', { label_id: label.id })), t('labels.deleted', { name: label.name }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ListToolbar list={list} setList={setList}>
        {can('label', 'create') && (
          <Button type="primary" onClick={() => setEditing('new')} data-testid="new-label">
            {t('labels.new')}
          </Button>
        )}
      </ListToolbar>
      {labels.error && <Alert type="error" message={labels.error.message} />}
      <PagedTable<Label>
        rowKey="id"
        page={labels}
        list={list}
        setList={setList}
        columns={[
          { title: t('labels.name'), dataIndex: 'name', render: (name: string, label) => <Tag color={label.color || undefined}>{name}</Tag> },
          { title: t('labels.description'), dataIndex: 'description' },
          { title: t('labels.created'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          ...(can('label', 'update') || can('label', 'delete')
            ? [
                {
                  title: t('labels.actions'),
                  key: 'actions',
                  render: (_: unknown, label: Label) => (
                    <Space wrap>
                      {can('label', 'update') && (
                        <Button size="small" onClick={() => setEditing(label)}>
                          {t('labels.edit')}
                        </Button>
                      )}
                      {can('label', 'delete') && <ConfirmDelete title={t('labels.deleteConfirm', { name: label.name })} onConfirm={() => remove(label)} />}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing !== undefined && (
        <EditLabel
          label={editing === 'new' ? undefined : editing}
          scope={scope}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) {
              void message.success(t('labels.saved', { name: saved }));
              refresh();
            }
          }}
        />
      )}
    </Space>
  );
}

/** POST /labels in the scope, or PUT /labels/{id}. */
function EditLabel({ label, scope, onClose }: { label: Label | undefined; scope: LabelScope; onClose: (saved?: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<LabelValues>();
  const { error, save, footer } = useFormModal();

  const submit = async () => {
    const values = await form.validateFields();
    const body = { name: values.name.trim(), color: values.color, description: values.description ?? '' };
    await save(async () => {
      if (label) await call('PUT', apiUrl('/labels/{label_id}', { label_id: label.id }), body);
      else await call('POST', apiUrl('/labels'), { ...body, ...scopeParams(scope) });
      onClose(body.name);
    });
  };

  return (
    <Modal open title={label ? t('labels.editTitle', { name: label.name }) : t('labels.new')} {...footer(submit, () => onClose())}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="label-error" />}
      <Form form={form} layout="vertical" initialValues={{ name: label?.name ?? '', color: label?.color || '#1677ff', description: label?.description ?? '' }}>
        <Form.Item name="name" label={t('labels.name')} rules={[{ required: true, whitespace: true, message: t('labels.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t('labels.description')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="color" label={t('labels.color')} getValueFromEvent={(color: Color) => color.toHexString()}>
          <ColorPicker disabledAlpha showText />
        </Form.Item>
      </Form>
    </Modal>
  );
}
