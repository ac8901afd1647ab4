import { Button, Checkbox, Popover } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Which optional columns of a table the user has hidden, remembered in this browser under `storageKey`. */
export function useHiddenColumns(storageKey: string): [string[], (hidden: string[]) => void] {
  const [hidden, setHidden] = useState<string[]>(() => {
    try {
      const stored: unknown = JSON.parse(localStorage.getItem(storageKey) ?? '[]');
      return Array.isArray(stored) ? stored.filter((key): key is string => typeof key === 'string') : [];
    } catch {
      return [];
    }
  });
  const update = (next: string[]) => {
    localStorage.setItem(storageKey, JSON.stringify(next));
    setHidden(next);
  };
  return [hidden, update];
}

/** A button opening a checkbox per optional column: checked ones show. */
export function ColumnPicker({
  columns,
  hidden,
  onChange,
}: {
  columns: Array<{ key: string; title: string }>;
  hidden: string[];
  onChange: (hidden: string[]) => void;
}) {
  const { t } = useTranslation();
  const content = (
    <Checkbox.Group
      style={{ display: 'flex', flexDirection: 'column', gap: 4 }}
      value={columns.map((column) => column.key).filter((key) => !hidden.includes(key))}
      options={columns.map((column) => ({ value: column.key, label: column.title }))}
      onChange={(shown) => onChange(columns.map((column) => column.key).filter((key) => !shown.includes(key)))}
      data-testid="column-picker"
    />
  );
  return (
    <Popover content={content} title={t('repository.columnsShown')} trigger="click" placement="bottomRight">
      <Button size="small" data-testid="columns">
        {t('repository.columns')}
      </Button>
    </Popover>
  );
}
