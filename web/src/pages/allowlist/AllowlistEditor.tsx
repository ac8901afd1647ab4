import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { dateInputValue, expiryOfDateInput, hasExpired, mergeIds, parseVulnerabilityIds, type AllowlistValue } from './vulnerabilityIds';

const PAGE_SIZE = 10;
const EMPTY: AllowlistValue = { items: [], expiresAt: null };
/** Where the expiry goes when "never expires" is unchecked: a month from now, as a starting point. */
const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * A CVE allowlist being edited: its ids, each removable, several added at once, and its expiry.
 * A controlled input (`value`/`onChange`), so that it fits in a form beside other settings.
 */
export function AllowlistEditor({
  value = EMPTY,
  onChange,
  disabled = false,
  actions,
  testId,
}: {
  value?: AllowlistValue;
  onChange?: (next: AllowlistValue) => void;
  disabled?: boolean;
  /** More buttons beside "Add" (a project's "Copy from system"). */
  actions?: ReactNode;
  testId: string;
}) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState(false);
  const change = (next: Partial<AllowlistValue>) => onChange?.({ ...value, ...next });
  const never = value.expiresAt === null;

  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid={testId}>
      {!disabled && (
        <Space wrap>
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid={`${testId}-add`}>
            {t('scanPolicy.allowlist.add')}
          </Button>
          {actions}
        </Space>
      )}
      <Table
        size="small"
        rowKey="id"
        dataSource={value.items.map((id) => ({ id }))}
        pagination={value.items.length > PAGE_SIZE ? { pageSize: PAGE_SIZE, size: 'small', showSizeChanger: false } : false}
        locale={{ emptyText: t('scanPolicy.allowlist.empty') }}
        columns={[
          { key: 'id', dataIndex: 'id', title: t('scanPolicy.allowlist.id') },
          {
            key: 'remove',
            title: t('scanPolicy.allowlist.actions'),
            width: 120,
            render: (_: unknown, { id }: { id: string }) =>
              disabled ? null : (
                <Button
                  type="link"
                  size="small"
                  aria-label={t('scanPolicy.allowlist.removeId', { id })}
                  onClick={() => change({ items: value.items.filter((item) => item !== id) })}
                >
                  {t('scanPolicy.allowlist.remove')}
                </Button>
              ),
          },
        ]}
      />
      <Space wrap align="center">
        <Typography.Text>{t('scanPolicy.allowlist.expiresAt')}</Typography.Text>
        <Input
          type="date"
          aria-label={t('scanPolicy.allowlist.expiryDate')}
          disabled={disabled || never}
          value={value.expiresAt === null ? '' : dateInputValue(value.expiresAt)}
          onChange={(event) => {
            const expiresAt = expiryOfDateInput(event.target.value);
            if (expiresAt !== undefined) change({ expiresAt });
          }}
          style={{ width: 180 }}
          data-testid={`${testId}-expiry`}
        />
        <Checkbox
          checked={never}
          disabled={disabled}
          onChange={(event) => change({ expiresAt: event.target.checked ? null : Math.floor(Date.now() / 1000) + MONTH_SECONDS })}
        >
          {t('scanPolicy.allowlist.neverExpires')}
        </Checkbox>
        {hasExpired(value.expiresAt) && <Tag color="error">{t('scanPolicy.allowlist.expired')}</Tag>}
      </Space>
      {adding && (
        <AddIdsDialog
          onAdd={(ids) => {
            change({ items: mergeIds(value.items, ids) });
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      )}
    </Space>
  );
}

/** Several ids at once, one a line or separated by commas; nothing is added while one of them is not an id. */
function AddIdsDialog({ onAdd, onCancel }: { onAdd: (ids: string[]) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState<string[]>([]);

  const add = () => {
    const parsed = parseVulnerabilityIds(text);
    setInvalid(parsed.invalid);
    if (parsed.invalid.length === 0 && parsed.ids.length > 0) onAdd(parsed.ids);
  };

  return (
    <Modal
      open
      title={t('scanPolicy.allowlist.addTitle')}
      okText={t('scanPolicy.allowlist.addOk')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: text.trim() === '' }}
      onOk={add}
      onCancel={onCancel}
      destroyOnHidden
    >
      <Form layout="vertical">
        <Form.Item label={t('scanPolicy.allowlist.ids')} htmlFor="allowlist-ids" extra={t('scanPolicy.allowlist.idsHint')}>
          <Input.TextArea
            id="allowlist-ids"
            rows={6}
            value={text}
            onChange={(event) => setText(event.target.value)}
            placeholder="CVE-2021-44906, GHSA-xvch-5gv4-984h"
          />
        </Form.Item>
      </Form>
      {invalid.length > 0 && (
        <Alert
          type="error"
          data-testid="allowlist-invalid"
          message={t('scanPolicy.allowlist.invalid', { ids: invalid.slice(0, 5).join(', '), count: invalid.length })}
        />
      )}
    </Modal>
  );
}
