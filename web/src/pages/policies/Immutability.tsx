import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Modal, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../api/client';
import type { ImmutableRule } from '../../api/policies-models';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { PagedTable } from '../common/PagedTable';
import { useFormModal } from '../common/useFormModal';
import { useListState } from '../paging';
import { errorText, type ProjectTabProps } from '../project/shared';
import { SELECTOR_DEFAULTS, SelectorFields, SelectorList, selectorsBody, selectorValues, type SelectorValues } from './selectors';

/** The project's tag immutability rules: list, add, edit, enable or disable, delete. */
export function Immutability({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  // The rule in the dialog: a new one, or an existing one being edited.
  const [editing, setEditing] = useState<ImmutableRule | 'new'>();
  const [error, setError] = useState<string>();
  const id = project.project_id;
  const rulesUrl = (ruleId?: number) =>
    ruleId === undefined
      ? apiUrl('/projects/{project}/immutabletagrules', { project: id })
      : apiUrl('/projects/{project}/immutabletagrules/{id}', { project: id, id: ruleId });
  const rules = useQuery({
    queryKey: ['immutable-rules', id, list.page, list.pageSize],
    queryFn: () => getPage<ImmutableRule>(apiUrl('/projects/{project}/immutabletagrules', { project: id }, { page: list.page, page_size: list.pageSize })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['immutable-rules', id] });

  const change = async (action: () => Promise<void>, done: string) => {
    setError(undefined);
    try {
      await action();
      void message.success(done);
    } catch (failure) {
      setError(errorText(failure));
    }
    refresh();
  };
  const toggle = (rule: ImmutableRule, enabled: boolean) =>
    change(() => call('PUT', rulesUrl(rule.id), { ...rule, disabled: !enabled }), t(enabled ? 'policies.immutable.enabled' : 'policies.immutable.disabled'));
  const remove = (rule: ImmutableRule) => change(() => call('DELETE', rulesUrl(rule.id)), t('policies.immutable.deleted'));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="immutability">
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('policies.immutable.title')}
      </Typography.Title>
      <Typography.Text type="secondary">{t('policies.immutable.hint')}</Typography.Text>
      {can('immutable-tag', 'create') && (
        <Button type="primary" onClick={() => setEditing('new')} data-testid="add-immutable-rule" style={{ alignSelf: 'flex-start' }}>
          {t('policies.immutable.add')}
        </Button>
      )}
      {rules.error && <Alert type="error" message={rules.error.message} />}
      {error && <Alert type="error" message={error} data-testid="immutable-error" closable onClose={() => setError(undefined)} />}
      <PagedTable<ImmutableRule>
        rowKey="id"
        page={rules}
        list={list}
        setList={setList}
        columns={[
          { title: t('policies.repositories'), key: 'repositories', render: (_: unknown, rule) => <SelectorList selectors={rule.scope_selectors.repository} /> },
          { title: t('policies.tags'), key: 'tags', render: (_: unknown, rule) => <SelectorList selectors={rule.tag_selectors} /> },
          {
            title: t('policies.enabled'),
            key: 'enabled',
            render: (_: unknown, rule) => (
              <Switch
                checked={!rule.disabled}
                disabled={!can('immutable-tag', 'update')}
                aria-label={t('policies.enabled')}
                onChange={(checked) => void toggle(rule, checked)}
              />
            ),
          },
          ...(can('immutable-tag', 'update') || can('immutable-tag', 'delete')
            ? [
                {
                  title: t('policies.actions'),
                  key: 'actions',
                  render: (_: unknown, rule: ImmutableRule) => (
                    <Space>
                      {can('immutable-tag', 'update') && (
                        <Button size="small" onClick={() => setEditing(rule)} data-testid="edit-immutable-rule">
                          {t('policies.edit')}
                        </Button>
                      )}
                      {can('immutable-tag', 'delete') && <ConfirmDelete title={t('policies.immutable.deleteConfirm')} onConfirm={() => remove(rule)} />}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <ImmutableRuleDialog
          rule={editing === 'new' ? undefined : editing}
          url={editing === 'new' ? rulesUrl() : rulesUrl(editing.id)}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) {
              void message.success(t(editing === 'new' ? 'policies.immutable.added' : 'policies.immutable.saved'));
              refresh();
            }
          }}
        />
      )}
    </Space>
  );
}

/** Adds a rule (POST to the list) or, given one, edits its selectors (PUT to the rule), in the same form. */
function ImmutableRuleDialog({ rule, url, onClose }: { rule?: ImmutableRule; url: string; onClose: (saved?: boolean) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<SelectorValues>();
  const { error, save, footer } = useFormModal();

  const submit = async () => {
    const values = await form.validateFields();
    await save(async () => {
      if (rule) await call('PUT', url, { ...rule, ...selectorsBody(values, undefined, rule) });
      else await call('POST', url, { disabled: false, action: 'immutable', template: 'immutable_template', params: {}, ...selectorsBody(values) });
      onClose(true);
    });
  };

  return (
    <Modal open title={t(rule ? 'policies.immutable.edit' : 'policies.immutable.add')} {...footer(submit, () => onClose())}>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="immutable-rule-error" />}
      <Form form={form} layout="vertical" initialValues={rule ? selectorValues(rule) : SELECTOR_DEFAULTS}>
        <SelectorFields />
      </Form>
    </Modal>
  );
}
