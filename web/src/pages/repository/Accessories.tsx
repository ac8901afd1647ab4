import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Card, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { apiUrl, getJson, getPage } from '../../api/client';
import type { Accessory, Artifact } from '../../api/repository-models';
import { formatBytes } from '../format';
import { pageSizeOptions } from '../paging';
import { artifactLink, Digest, NotYet, TimeText } from './shared';

const ACCESSORIES = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories';
const ARTIFACTS = '/projects/{project_name}/repositories/{repository_name}/artifacts';

/** Harbor's accessory types for signatures and its own SBOM; every other artifact naming this one as its subject is `subject.accessory`. */
export const SIGNATURE_TYPES = ['signature.cosign', 'signature.notation'];
const ACCESSORY_TYPES = [...SIGNATURE_TYPES, 'sbom.harbor'];
const REFERRER_TYPE = 'subject.accessory';

interface Props {
  projectId: string;
  path: string;
  /** The artifact's path parameters (project, repository, reference). */
  params: Record<string, string>;
}

/** Signatures and Harbor SBOMs attached to the artifact, each linked to its own page. */
export function Accessories({ projectId, path, params }: Props) {
  const { t } = useTranslation();
  return (
    <AttachedTable
      title={t('repository.accessories')}
      empty={t('repository.noAccessories')}
      testId="accessories"
      url={apiUrl(ACCESSORIES, params)}
      types={ACCESSORY_TYPES}
      projectId={projectId}
      path={path}
      typeColumn={{ title: t('repository.type'), dataIndex: 'type', render: (type: string) => <Tag>{accessoryTypeName(t, type)}</Tag> }}
    />
  );
}

/**
 * OCI referrers of the artifact other than signatures (an SBOM, an attestation…): what the
 * registry's referrers API would return for it, read through Harbor's accessories API, which
 * needs no registry token. Their own artifact type is read from the artifact listing, one
 * request for the page.
 */
export function Referrers({ projectId, path, params }: Props) {
  const { t } = useTranslation();
  return (
    <AttachedTable
      title={t('repository.referrers')}
      empty={t('repository.noReferrers')}
      testId="referrers"
      url={apiUrl(ACCESSORIES, params)}
      types={[REFERRER_TYPE]}
      projectId={projectId}
      path={path}
      artifactsUrl={(digests) => apiUrl(ARTIFACTS, params, { q: `base=*,digest={${digests.join(' ')}}`, page_size: digests.length, with_tag: 'false' })}
      typeColumn={{
        title: t('repository.artifactType'),
        key: 'artifact_type',
        render: (_, accessory) => (accessory.artifactType ? <Typography.Text code>{accessory.artifactType}</Typography.Text> : <NotYet />),
      }}
    />
  );
}

type Row = Accessory & { artifactType?: string };

function AttachedTable(props: {
  title: string;
  empty: string;
  testId: string;
  url: string;
  types: string[];
  projectId: string;
  path: string;
  typeColumn: ColumnsType<Row>[number];
  artifactsUrl?: (digests: string[]) => string;
}) {
  const { t } = useTranslation();
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const q = `type={${props.types.join(' ')}}`;
  const attached = useQuery({
    queryKey: ['accessories', props.url, q, paging],
    queryFn: () => getPage<Accessory>(`${props.url}?${new URLSearchParams({ q, page: String(paging.page), page_size: String(paging.pageSize) })}`),
    placeholderData: keepPreviousData,
  });
  const digests = (attached.data?.items ?? []).map((accessory) => accessory.digest);
  const { artifactsUrl } = props;
  const artifacts = useQuery({
    queryKey: ['accessory-artifacts', props.url, digests],
    enabled: artifactsUrl !== undefined && digests.length > 0,
    queryFn: () => getJson<Artifact[]>(artifactsUrl?.(digests) ?? ''),
  });
  const rows: Row[] = (attached.data?.items ?? []).map((accessory) => ({
    ...accessory,
    artifactType: artifacts.data?.find((artifact) => artifact.digest === accessory.digest)?.artifact_type,
  }));
  const error = attached.error ?? artifacts.error;
  return (
    <Card size="small" title={props.title}>
      {error && <Alert type="error" message={error.message} />}
      <Table<Row>
        rowKey="id"
        size="small"
        loading={attached.isFetching}
        dataSource={rows}
        scroll={{ x: 'max-content' }}
        data-testid={props.testId}
        locale={{ emptyText: props.empty }}
        pagination={{
          current: paging.page,
          pageSize: paging.pageSize,
          total: attached.data?.total ?? 0,
          pageSizeOptions,
          hideOnSinglePage: true,
          showTotal: (count) => t('common.total', { count }),
          onChange: (page, pageSize) => setPaging({ page, pageSize }),
        }}
        columns={[
          props.typeColumn,
          {
            title: t('repository.digest'),
            dataIndex: 'digest',
            render: (digest: string) => (
              <span>
                <Link to={artifactLink(props.projectId, props.path, digest)} data-testid="attached-link" style={{ marginInlineEnd: 4 }}>
                  {t('repository.details')}
                </Link>
                <Digest digest={digest} />
              </span>
            ),
          },
          { title: t('repository.size'), dataIndex: 'size', align: 'right', render: (size: number) => formatBytes(size) },
          { title: t('repository.created'), dataIndex: 'creation_time', render: (time: string) => <TimeText time={time} /> },
        ]}
      />
    </Card>
  );
}

/** An accessory type in words: a cosign or Notation signature, Harbor's SBOM, or another referrer. */
export function accessoryTypeName(t: (key: string) => string, type: string): string {
  switch (type) {
    case 'signature.cosign':
      return t('repository.cosignSignature');
    case 'signature.notation':
      return t('repository.notationSignature');
    case 'sbom.harbor':
      return t('repository.harborSbom');
    case REFERRER_TYPE:
      return t('repository.referrer');
    default:
      return type;
  }
}
