import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Breadcrumb, Button, Card, Descriptions, Input, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { apiUrl, call, getJson, getText } from '../../api/client';
import type { Artifact, ArtifactTag, HistoryEntry } from '../../api/repository-models';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { runInProgress } from '../scan/ScanRun';
import { scanTabs } from '../scan/ScanTabs';
import { overviewOf } from '../scan/VulnerabilityCell';
import { SignaturesTab } from '../trust/SignaturesTab';
import { formatBytes } from '../format';
import { Accessories, Referrers } from './Accessories';
import { ArtifactLabels } from './ArtifactLabels';
import { ChartDetails } from './ChartDetails';
import { MarkdownText } from './MarkdownText';
import { PullCommand } from './PullCommand';
import { Platforms } from './Repository';
import { Digest, NotYet, repositoryLink, repositoryParams, shortDigest, TimeText, useProject, useProjectPermissions } from './shared';

const ARTIFACT = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}';
const TAGS = `${ARTIFACT}/tags` as const;
const TAG = `${ARTIFACT}/tags/{tag_name}` as const;
const ADDITION = `${ARTIFACT}/additions/{addition}` as const;

function message(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

/** One artifact: its tags and labels, what it is made of (build history, chart files, platforms), its accessories and referrers. */
export function ArtifactPage({ projectId, path, reference }: { projectId: string; path: string; reference: string }) {
  const { t } = useTranslation();
  const { message: toast } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const project = useProject(projectId);
  const name = project.data?.name;
  const can = useProjectPermissions(projectId);
  const params = { ...repositoryParams(name ?? '', path), reference };
  const artifact = useQuery({
    queryKey: ['artifact', name, path, reference],
    enabled: name !== undefined,
    queryFn: () =>
      getJson<Artifact>(
        apiUrl(ARTIFACT, params, { with_tag: 'true', with_label: 'true', with_immutable_status: 'true', with_scan_overview: 'true', with_sbom_overview: 'true' }),
      ),
    // While its scan or SBOM generation runs, the page follows it.
    refetchInterval: (query) => (runInProgress(query.state.data && overviewOf(query.state.data)) || runInProgress(query.state.data?.sbom_overview) ? 2000 : false),
  });
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') ?? 'overview';
  const [deleteError, setDeleteError] = useState<string>();

  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['artifact', name, path] }), queryClient.invalidateQueries({ queryKey: ['artifacts', name, path] })]);

  const remove = async () => {
    setDeleteError(undefined);
    try {
      await call('DELETE', apiUrl(ARTIFACT, params));
      void toast.success(t('repository.artifactDeleted', { digest: shortDigest(reference) }));
      await queryClient.invalidateQueries({ queryKey: ['artifacts', name, path] });
      await queryClient.invalidateQueries({ queryKey: ['repository', name, path] });
      void navigate(repositoryLink(projectId, path));
    } catch (failure) {
      setDeleteError(message(failure));
    }
  };

  const error = project.error ?? artifact.error;
  const data = artifact.data;
  const overview = data && (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small">
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 1, md: 2 }}
          items={[
            { key: 'digest', label: t('repository.digest'), children: <Digest digest={data.digest} /> },
            { key: 'type', label: t('repository.type'), children: <Tag>{data.type}</Tag> },
            { key: 'media', label: t('repository.mediaType'), children: <Typography.Text code>{data.manifest_media_type}</Typography.Text> },
            { key: 'size', label: t('repository.size'), children: formatBytes(data.size) },
            { key: 'push', label: t('repository.pushTime'), children: <TimeText time={data.push_time} /> },
            { key: 'pull', label: t('repository.pullTime'), children: <TimeText time={data.pull_time} /> },
            { key: 'command', label: t('repository.pullCommand'), children: <PullCommand artifact={data} /> },
          ]}
        />
        {can('artifact', 'delete') && (
          <Space direction="vertical" style={{ marginTop: 12, width: '100%' }}>
            <ConfirmDelete
              title={t('repository.deleteArtifactConfirm', { digest: shortDigest(data.digest) })}
              description={data.tags?.length ? t('repository.deleteArtifactTags', { tags: data.tags.map((tag) => tag.name).join(', ') }) : undefined}
              label={t('repository.deleteArtifact')}
              okText={t('common.delete')}
              size="middle"
              onConfirm={() => remove()}
              testId="delete-artifact"
            />
            {deleteError && <Alert type="error" message={deleteError} data-testid="delete-artifact-error" />}
          </Space>
        )}
      </Card>
      {project.data && (
        <ArtifactLabels
          projectId={project.data.project_id}
          params={params}
          labels={data.labels ?? []}
          canAdd={can('artifact-label', 'create')}
          canRemove={can('artifact-label', 'delete')}
          onChange={refresh}
        />
      )}
      <Tags
        tags={data.tags ?? []}
        url={apiUrl(TAGS, params)}
        tagUrl={(tag) => apiUrl(TAG, { ...params, tag_name: tag })}
        canCreate={can('tag', 'create')}
        canDelete={can('tag', 'delete')}
        onChange={refresh}
      />
      {(data.references?.length ?? 0) > 0 && (
        <Card size="small" title={t('repository.platforms')}>
          <Platforms projectId={projectId} path={path} references={data.references ?? []} />
        </Card>
      )}
      {data.addition_links?.build_history && <BuildHistory url={apiUrl(ADDITION, { ...params, addition: 'build_history' })} />}
      {data.type === 'CHART' && name !== undefined && <ChartDetails projectId={projectId} projectName={name} path={path} artifact={data} />}
      {data.addition_links?.['values.yaml'] && (
        <TextAddition title={t('repository.values')} testId="values" url={apiUrl(ADDITION, { ...params, addition: 'values.yaml' })} />
      )}
      {data.addition_links?.['readme.md'] && (
        <TextAddition title={t('repository.readme')} testId="readme" markdown url={apiUrl(ADDITION, { ...params, addition: 'readme.md' })} />
      )}
      <Accessories projectId={projectId} path={path} params={params} />
      <Referrers projectId={projectId} path={path} params={params} />
    </Space>
  );
  const tabs = [
    { key: 'overview', label: t('scanReport.tabs.overview'), children: overview },
    // Images are what scanners read: their reports and SBOMs have tabs of their own, as in Harbor's portal.
    ...(data && name !== undefined && data.addition_links?.vulnerabilities
      ? scanTabs(t, { address: { projectName: name, path, digest: data.digest }, artifact: data, can, onChange: refresh })
      : []),
    ...(data && name !== undefined
      ? [{ key: 'signatures', label: t('trust.signatures.tab'), children: <SignaturesTab address={{ projectName: name, path, digest: data.digest }} /> }]
      : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Breadcrumb
        items={[
          { title: <Link to="/projects">{t('projects.title')}</Link> },
          { title: <Link to={`/projects/${projectId}/repositories`}>{name ?? '…'}</Link> },
          { title: <Link to={repositoryLink(projectId, path)}>{path}</Link> },
          { title: shortDigest(reference) },
        ]}
      />
      <Typography.Title level={2} style={{ margin: 0, wordBreak: 'break-all' }}>
        {name ? `${name}/${path}@${shortDigest(reference)}` : '…'}
      </Typography.Title>
      {error ? (
        <Alert type="error" message={error.message} />
      ) : !data ? (
        <Card loading />
      ) : (
        <Tabs
          activeKey={tabs.some((item) => item.key === tab) ? tab : 'overview'}
          onChange={(key) => setSearch(key === 'overview' ? {} : { tab: key }, { replace: true })}
          items={tabs}
        />
      )}
    </Space>
  );
}

function Tags(props: {
  tags: ArtifactTag[];
  url: string;
  tagUrl: (tag: string) => string;
  canCreate: boolean;
  canDelete: boolean;
  onChange: () => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const { message: toast } = App.useApp();
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const add = async () => {
    const name = draft.trim();
    if (!name) return;
    setBusy(true);
    setError(undefined);
    try {
      await call('POST', props.url, { name });
      setDraft('');
      void toast.success(t('repository.tagAdded', { tag: name }));
      await props.onChange();
    } catch (failure) {
      setError(message(failure));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (tag: string) => {
    setError(undefined);
    try {
      await call('DELETE', props.tagUrl(tag));
      void toast.success(t('repository.tagDeleted', { tag }));
      await props.onChange();
    } catch (failure) {
      // An immutable tag, a missing permission: the API says which.
      setError(message(failure));
    }
  };

  return (
    <Card size="small" title={t('repository.tags')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        {props.canCreate && (
          <Space.Compact style={{ maxWidth: 420, width: '100%' }}>
            <Input
              aria-label={t('repository.newTag')}
              placeholder={t('repository.newTag')}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              onPressEnter={() => void add()}
              maxLength={128}
              data-testid="new-tag"
            />
            <Button type="primary" loading={busy} disabled={!draft.trim()} onClick={() => void add()} data-testid="add-tag">
              {t('repository.addTag')}
            </Button>
          </Space.Compact>
        )}
        {error && <Alert type="error" message={error} closable onClose={() => setError(undefined)} data-testid="tag-error" />}
        <Table<ArtifactTag>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={props.tags}
          scroll={{ x: 'max-content' }}
          data-testid="tags"
          locale={{ emptyText: t('repository.untagged') }}
          columns={[
            {
              title: t('repository.tag'),
              dataIndex: 'name',
              render: (name: string, tag) => (
                <Space size={4}>
                  <Typography.Text strong>{name}</Typography.Text>
                  {tag.immutable && <Tag color="gold">{t('repository.immutable')}</Tag>}
                </Space>
              ),
            },
            { title: t('repository.pushTime'), dataIndex: 'push_time', render: (time: string) => <TimeText time={time} /> },
            { title: t('repository.pullTime'), dataIndex: 'pull_time', render: (time: string) => <TimeText time={time} /> },
            ...(props.canDelete
              ? [
                  {
                    title: t('projects.actions'),
                    key: 'actions',
                    render: (_: unknown, tag: ArtifactTag) => (
                      <ConfirmDelete
                        title={t('repository.deleteTagConfirm', { tag: tag.name })}
                        onConfirm={() => remove(tag.name)}
                        testId={`delete-tag-${tag.name}`}
                      />
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Space>
    </Card>
  );
}

function BuildHistory({ url }: { url: string }) {
  const { t } = useTranslation();
  const history = useQuery({ queryKey: ['addition', url], queryFn: () => getJson<HistoryEntry[]>(url) });
  return (
    <Card size="small" title={t('repository.buildHistory')}>
      {history.error && <Alert type="error" message={history.error.message} />}
      <Table<HistoryEntry>
        rowKey={(_, index) => String(index)}
        size="small"
        loading={history.isPending}
        pagination={false}
        dataSource={history.data ?? []}
        scroll={{ x: 'max-content' }}
        data-testid="build-history"
        locale={{ emptyText: t('repository.noHistory') }}
        columns={[
          { title: t('repository.created'), dataIndex: 'created', render: (time: string | undefined) => (time ? <TimeText time={time} /> : <NotYet />) },
          {
            title: t('repository.command'),
            key: 'command',
            render: (_, entry) => (
              <Typography.Text code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {entry.created_by ?? entry.comment ?? ''}
              </Typography.Text>
            ),
          },
          {
            title: t('repository.emptyLayer'),
            dataIndex: 'empty_layer',
            render: (empty: boolean | undefined) => (empty ? t('repository.yes') : t('repository.no')),
          },
        ]}
      />
    </Card>
  );
}

/** A chart's values.yaml, as the text it is, or its README, as Markdown (never as HTML). */
function TextAddition({ title, url, testId, markdown = false }: { title: string; url: string; testId: string; markdown?: boolean }) {
  const text = useQuery({ queryKey: ['addition', url], queryFn: () => getText(url) });
  return (
    <Card size="small" title={title} loading={text.isPending}>
      {text.error ? (
        <Alert type="error" message={text.error.message} />
      ) : markdown ? (
        <MarkdownText text={text.data ?? ''} testId={testId} />
      ) : (
        <pre style={{ margin: 0, maxHeight: 480, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid={testId}>
          {text.data}
        </pre>
      )}
    </Card>
  );
}
