import { useQuery } from '@tanstack/react-query';
import { Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, getPage } from '../../api/client';
import type { Project } from '../../api/models';
import { nameQuery } from '../paging';

/** A project chosen by name, searched on the server as the user types; `*` stands for every project. */
export function ProjectSelect({ value, onChange, id }: { value?: string; onChange?: (name: string) => void; id?: string }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const projects = useQuery({
    queryKey: ['robot-project-choice', search],
    queryFn: () => getPage<Project>(apiUrl('/projects', {}, { page: 1, page_size: 20, q: nameQuery(search) })),
  });
  const names = (projects.data?.items ?? []).map((p) => p.name);
  if (value && value !== '*' && !names.includes(value)) names.unshift(value);
  return (
    <Select
      id={id}
      aria-label={t('robots.project')}
      showSearch
      value={value}
      onChange={onChange}
      filterOption={false}
      onSearch={setSearch}
      loading={projects.isFetching}
      placeholder={t('robots.chooseProject')}
      style={{ minWidth: 260 }}
      options={[{ label: t('robots.allProjects'), value: '*' }, ...names.map((name) => ({ label: name, value: name }))]}
    />
  );
}
