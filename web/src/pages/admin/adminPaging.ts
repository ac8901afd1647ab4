import { useSearchParams } from 'react-router';
import { pageSizeOptions } from '../paging';

export interface FilteredListState {
  page: number;
  pageSize: number;
  field: string;
  search: string;
}

const PAGE_SIZES = pageSizeOptions.map(Number);

/** Page, page size, the filtered field and the search text in the URL, so a reload shows the same page. */
export function useFilteredList(fields: readonly string[]): [FilteredListState, (next: Partial<FilteredListState>) => void] {
  const [params, setParams] = useSearchParams();
  const pageSize = Number(params.get('page_size'));
  const field = params.get('by') ?? '';
  const state: FilteredListState = {
    page: Math.max(1, Number(params.get('page')) || 1),
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : 10,
    field: fields.includes(field) ? field : (fields[0] ?? ''),
    search: params.get('q') ?? '',
  };
  const update = (next: Partial<FilteredListState>) => {
    const merged = { ...state, ...next };
    const out = new URLSearchParams();
    if (merged.page > 1) out.set('page', String(merged.page));
    if (merged.pageSize !== 10) out.set('page_size', String(merged.pageSize));
    if (merged.field !== fields[0]) out.set('by', merged.field);
    if (merged.search) out.set('q', merged.search);
    setParams(out, { replace: true });
  };
  return [state, update];
}
