import { Input, Space } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ListState } from '../paging';

/** A list's buttons followed by its search box; a new search starts again at the first page. */
export function ListToolbar({
  list,
  setList,
  placeholder,
  children,
}: {
  list: ListState;
  setList: (next: Partial<ListState>) => void;
  placeholder?: string;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Space wrap>
      {children}
      <Input.Search
        allowClear
        placeholder={placeholder ?? t('common.search')}
        defaultValue={list.search}
        onSearch={(search) => setList({ search, page: 1 })}
        style={{ maxWidth: 320 }}
      />
    </Space>
  );
}
