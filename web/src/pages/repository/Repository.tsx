import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Breadcrumb, Button, Card, Input, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { apiUrl, call } from '../../api/client';
import type { Artifact, ArtifactReference } from '../../api/repository-models';
import { formatBytes } from '../format';
import { useListState } from '../paging';
import { ScanButton, scanInProgress, StopScanButton, VulnerabilityCell } from '../scan/VulnerabilityCell';
import { artifactsPageQuery, repositoryQuery } from '../queries';
import { SignedCell } from '../trust/SignedCell';
import { SIGNATURE_TYPES } from './Accessories';
import { ColumnPicker, useHiddenColumns } from './ColumnPicker';
import { MarkdownText } from './MarkdownText';
import { PullCommand } from './PullCommand';
import { artifactLink, Digest, Labels, NotYet, platformText, repositoryParams, TimeText, useProject, useProjectPermissions } from './shared';
import { PagedTable } from '../common/PagedTable';

const DESCRIPTION_LIMIT = 1024;
/** Columns the user may hide from the artifacts table; the digest, tags and pull command always show. */
const OPTIONAL_COLUMNS = ['type', 'size', 'push_time', 'pull_time', 'labels', 'signed', 'vulnerabilities'];

/** One repository: its description and its artifacts, paged by the server. */
export function RepositoryPage({ projectId, path }: { projectId: string; path: string }) {
  const { t } = useTranslation();
  const [list, setList] = useListState();
  const project = useProject(projectId);
  const name = project.data?.name;
  const can = useProjectPermissions(projectId);
  const queryClient = useQueryClient();
  const [hidden, setHidden] = useHiddenColumns('berth.artifacts.hiddenColumns');
  const repository = useQuery({ ...repositoryQuery(name ?? '', path), enabled: name !== undefined });
  const artifacts = useQuery({
    ...artifactsPageQuery(name ?? '', path, list),
    enabled: name !== undefined,
    // While a scan of a listed artifact runs, the page follows it.
    refetchInterval: (query) => (query.state.data?.items.some(scanInProgress) ? 2000 : false),
  });

  const columns: TableColumnsType<Artifact> = [
    {
      title: t('repository.digest'),
      key: 'digest',
      dataIndex: 'digest',
      render: (digest: string) => (
        <Space size={4}>
          <Link to={artifactLink(projectId, path, digest)} data-testid="artifact-link">
            {t('repository.details')}
          </Link>
          <Digest digest={digest} />
        </Space>
      ),
    },
    {
      title: t('repository.tags'),
      key: 'tags',
      render: (_, artifact) =>
        artifact.tags?.length ? (
          <Space size={[0, 4]} wrap>
            {artifact.tags.map((tag) => (
              <Tag key={tag.id}>{tag.name}</Tag>
            ))}
          </Space>
        ) : (
          <NotYet reason={t('repository.untagged')} />
        ),
    },
    { title: t('repository.type'), key: 'type', dataIndex: 'type', render: (type: string) => <Tag>{type}</Tag> },
    { title: t('repository.size'), key: 'size', dataIndex: 'size', align: 'right', render: (size: number) => formatBytes(size) },
    { title: t('repository.pushTime'), key: 'push_time', dataIndex: 'push_time', render: (time: string) => <TimeText time={time} /> },
    { title: t('repository.pullTime'), key: 'pull_time', dataIndex: 'pull_time', render: (time: string) => <TimeText time={time} /> },
    { title: t('repository.labels'), key: 'labels', render: (_, artifact) => <Labels labels={artifact.labels} /> },
    { title: t('repository.signed'), key: 'signed', render: (_, artifact) => <Signed artifact={artifact} projectName={name} path={path} /> },
    {
      title: t('repository.vulnerabilities'),
      key: 'vulnerabilities',
      render: (_, artifact) => (
        <Space size={4} wrap>
          <VulnerabilityCell artifact={artifact} />
          {can('scan', 'create') && name !== undefined && artifact.type === 'IMAGE' && (
            <ScanButton
              artifact={artifact}
              projectName={name}
              path={path}
              onStarted={() => queryClient.invalidateQueries({ queryKey: ['artifacts', name, path] })}
            />
          )}
          {can('scan', 'stop') && name !== undefined && (
            <StopScanButton
              artifact={artifact}
              projectName={name}
              path={path}
              onStopped={() => queryClient.invalidateQueries({ queryKey: ['artifacts', name, path] })}
            />
          )}
        </Space>
      ),
    },
    { title: t('repository.pullCommand'), key: 'pull', render: (_, artifact) => <PullCommand artifact={artifact} /> },
  ];

  const error = project.error ?? repository.error;
  if (error) return <Alert type="error" message={error.message} />;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Breadcrumb
        items={[
          { title: <Link to="/projects">{t('projects.title')}</Link> },
          { title: <Link to={`/projects/${projectId}/repositories`}>{name ?? '…'}</Link> },
          { title: path },
        ]}
      />
      <Typography.Title level={2} style={{ margin: 0, wordBreak: 'break-all' }}>
        {name ? `${name}/${path}` : '…'}
      </Typography.Title>
      {repository.data && (
        <Space wrap size="large">
          <Typography.Text>{t('repository.artifactCount', { count: repository.data.artifact_count })}</Typography.Text>
          <Typography.Text>{t('repository.pullCount', { count: repository.data.pull_count })}</Typography.Text>
        </Space>
      )}
      <Description
        key={repository.data?.description}
        projectName={name}
        path={path}
        text={repository.data?.description}
        loading={repository.isPending}
        editable={can('repository', 'update')}
      />
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('repository.artifacts')}
        </Typography.Title>
        <ColumnPicker
          columns={OPTIONAL_COLUMNS.map((key) => ({ key, title: String(columns.find((column) => column.key === key)?.title ?? key) }))}
          hidden={hidden}
          onChange={setHidden}
        />
      </div>
      {artifacts.error && <Alert type="error" message={artifacts.error.message} />}
      <PagedTable<Artifact>
        rowKey="digest"
        page={artifacts}
        list={list}
        setList={setList}
        data-testid="artifacts"
        expandable={{
          rowExpandable: (artifact) => (artifact.references?.length ?? 0) > 0,
          expandedRowRender: (artifact) => <Platforms projectId={projectId} path={path} references={artifact.references ?? []} />,
        }}
        columns={columns.filter((column) => !hidden.includes(String(column.key)))}
      />
    </Space>
  );
}

/** Signed when a cosign or Notation signature is attached to the artifact; whether one verifies is asked only for those. */
function Signed({ artifact, projectName, path }: { artifact: Artifact; projectName: string | undefined; path: string }) {
  const { t } = useTranslation();
  const signed = (artifact.accessories ?? []).some((accessory) => SIGNATURE_TYPES.includes(accessory.type));
  if (!signed || projectName === undefined)
    return (
      <Typography.Text type="secondary" data-testid="unsigned">
        {t('repository.signedNo')}
      </Typography.Text>
    );
  return <SignedCell address={{ projectName, path, digest: artifact.digest }} />;
}

/** An index's children: the platform each is built for, linked to its own page. */
export function Platforms({ projectId, path, references }: { projectId: string; path: string; references: ArtifactReference[] }) {
  const { t } = useTranslation();
  return (
    <Table<ArtifactReference>
      rowKey="child_digest"
      size="small"
      pagination={false}
      dataSource={references}
      data-testid="platforms"
      columns={[
        {
          title: t('repository.platform'),
          key: 'platform',
          render: (_, reference) => platformText(reference.platform) || <NotYet reason={t('repository.noPlatform')} />,
        },
        {
          title: t('repository.digest'),
          dataIndex: 'child_digest',
          render: (digest: string, reference) => (
            <Space size={4}>
              {reference.child_id > 0 && <Link to={artifactLink(projectId, path, digest)}>{t('repository.details')}</Link>}
              <Digest digest={digest} />
            </Space>
          ),
        },
      ]}
    />
  );
}

/** The repository's description, rendered as Markdown (never as HTML); editable by those the server allows. */
function Description(props: { projectName: string | undefined; path: string; text: string | undefined; loading: boolean; editable: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(props.text ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/projects/{project_name}/repositories/{repository_name}', repositoryParams(props.projectName ?? '', props.path)), {
        description: draft,
      });
      setEditing(false);
      await queryClient.invalidateQueries({ queryKey: ['repository', props.projectName, props.path] });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      size="small"
      loading={props.loading}
      title={t('repository.description')}
      extra={
        props.editable &&
        !editing && (
          <Button size="small" onClick={() => setEditing(true)} data-testid="edit-description">
            {t('repository.edit')}
          </Button>
        )
      }
    >
      {editing ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Input.TextArea
            aria-label={t('repository.description')}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            autoSize={{ minRows: 3, maxRows: 16 }}
            maxLength={DESCRIPTION_LIMIT}
            showCount
            data-testid="description-input"
          />
          {error && <Alert type="error" message={error} data-testid="description-error" />}
          <Space>
            <Button type="primary" loading={saving} onClick={() => void save()} data-testid="save-description">
              {t('common.save')}
            </Button>
            <Button
              onClick={() => {
                setEditing(false);
                setDraft(props.text ?? '');
                setError(undefined);
              }}
            >
              {t('common.cancel')}
            </Button>
          </Space>
        </Space>
      ) : props.text ? (
        <MarkdownText text={props.text} testId="description" />
      ) : (
        <Typography.Text type="secondary">{t('repository.noDescription')}</Typography.Text>
      )}
    </Card>
  );
}
