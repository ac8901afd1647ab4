import type { UseQueryResult } from '@tanstack/react-query';
import { Table, type TableProps } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Page } from '../../api/client';
import { pageSizeOptions } from '../paging';

/** The part of a list's state that the table reads and sets. */
interface Paging {
  page: number;
  pageSize: number;
}

type PagedTableProps<T> = Omit<TableProps<T>, 'dataSource' | 'loading' | 'pagination'> & {
  /** The server's page for the current list state. */
  page: UseQueryResult<Page<T>, Error>;
  list: Paging;
  setList: (next: Paging) => void;
  /** Defaults to while the page is being fetched. */
  loading?: boolean;
};

/** A table paged by the server: page and page size come from, and go back to, the list state in the URL. */
export function PagedTable<T extends object>({ page, list, setList, loading, ...table }: PagedTableProps<T>) {
  const { t } = useTranslation();
  return (
    <Table<T>
      scroll={{ x: 'max-content' }}
      {...table}
      loading={loading ?? page.isFetching}
      dataSource={page.data?.items ?? []}
      pagination={{
        current: list.page,
        pageSize: list.pageSize,
        total: page.data?.total ?? 0,
        showSizeChanger: true,
        pageSizeOptions,
        showTotal: (count) => t('common.total', { count }),
        onChange: (current, pageSize) => setList({ page: current, pageSize }),
      }}
    />
  );
}
