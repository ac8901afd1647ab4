import { useSearchParams } from 'react-router';

export interface ListState {
  page: number;
  pageSize: number;
  search: string;
}

const PAGE_SIZES = [10, 25, 50, 100];

/** The list state a URL's query holds. */
export function listStateFrom(params: URLSearchParams): ListState {
  const pageSize = Number(params.get('page_size'));
  return {
    page: Math.max(1, Number(params.get('page')) || 1),
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : 10,
    search: params.get('q') ?? '',
  };
}

/** Page, page size and search live in the URL, so a reload or a shared link shows the same page. */
export function useListState(): [ListState, (next: Partial<ListState>) => void] {
  const [params, setParams] = useSearchParams();
  const state = listStateFrom(params);
  const update = (next: Partial<ListState>) => {
    const merged = { ...state, ...next };
    const out = new URLSearchParams();
    if (merged.page > 1) out.set('page', String(merged.page));
    if (merged.pageSize !== 10) out.set('page_size', String(merged.pageSize));
    if (merged.search) out.set('q', merged.search);
    setParams(out, { replace: true });
  };
  return [state, update];
}

/** Harbor's q syntax for "field contains text"; commas and braces would split the query, so they are dropped. */
export function containsQuery(field: string, search: string): string | undefined {
  const text = search.replace(/[,{}()]/g, '').trim();
  return text ? `${field}=~${text}` : undefined;
}

/** `name=~text`: names containing the text. */
export function nameQuery(search: string): string | undefined {
  return containsQuery('name', search);
}

export const pageSizeOptions = PAGE_SIZES.map(String);
