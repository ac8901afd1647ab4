import { useQuery } from '@tanstack/react-query';
import { AutoComplete, Input } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { apiUrl, getJson } from '../../api/client';
import type { SearchResult } from '../../api/webhooks-models';
import { repositoryLink } from '../repository/links';

/** The header's search: projects and repositories whose names contain the text, each opening its page. */
export default function GlobalSearch() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);
  const found = useQuery({
    queryKey: ['search', query],
    enabled: query.length > 0,
    queryFn: () => getJson<SearchResult>(apiUrl('/search', {}, { q: query })),
  });

  const projects = (found.data?.project ?? []).map((p) => ({ value: `/projects/${p.project_id}/repositories`, label: p.name }));
  const repositories = (found.data?.repository ?? []).map((r) => ({
    value: repositoryLink(r.project_id, r.repository_name.slice(r.project_name.length + 1)),
    label: r.repository_name,
  }));
  const options = [
    ...(projects.length > 0 ? [{ label: t('webhooks.search.projects'), options: projects }] : []),
    ...(repositories.length > 0 ? [{ label: t('webhooks.search.repositories'), options: repositories }] : []),
  ];
  const empty = found.error ? found.error.message : query && found.data ? t('webhooks.search.none') : undefined;

  return (
    <AutoComplete
      value={text}
      options={options}
      onSearch={setText}
      onSelect={(link: string) => {
        setText('');
        void navigate(link);
      }}
      notFoundContent={empty}
      popupMatchSelectWidth={320}
      style={{ width: 260 }}
      data-testid="global-search"
    >
      <Input.Search placeholder={t('webhooks.search.placeholder')} aria-label={t('webhooks.search.placeholder')} loading={found.isFetching} allowClear />
    </AutoComplete>
  );
}
