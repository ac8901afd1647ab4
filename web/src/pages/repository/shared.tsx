import { useQuery } from '@tanstack/react-query';
import { Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../../api/client';
import type { ArtifactLabel, Permission, Platform, SystemInfo } from '../../api/repository-models';
import { formatTime } from '../format';
import { projectQuery } from '../queries';

export { artifactLink, repositoryLink, repositoryParams } from './links';

export function useProject(projectId: string) {
  return useQuery(projectQuery(projectId));
}

/** What the signed-in user may do in the project, as the server reports it. */
export function useProjectPermissions(projectId: string): (resource: string, action: string) => boolean {
  const permissions = useQuery({
    queryKey: ['permissions', projectId],
    queryFn: () => getJson<Permission[]>(apiUrl('/users/current/permissions', {}, { scope: `/project/${projectId}`, relative: 'true' })),
  });
  return (resource, action) => (permissions.data ?? []).some((p) => p.resource === resource && p.action === action);
}

/** The host clients pull from: the server's `registry_url`, else the portal's own host. */
export function useRegistryHost(): string {
  const info = useQuery({ queryKey: ['systeminfo'], queryFn: () => getJson<SystemInfo>(apiUrl('/systeminfo')), staleTime: 300_000 });
  return info.data?.registry_url || location.host;
}

export function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
}

/** Harbor sends Go's zero time for "never". */
export function TimeText({ time }: { time: string }) {
  const { t, i18n } = useTranslation();
  if (!time || time.startsWith('0001-')) return <Typography.Text type="secondary">{t('repository.never')}</Typography.Text>;
  return <>{formatTime(time, i18n.language)}</>;
}

export function Digest({ digest }: { digest: string }) {
  const { t } = useTranslation();
  return (
    <Typography.Text code copyable={{ text: digest, tooltips: [t('repository.copyDigest'), t('repository.copied')] }} title={digest}>
      {shortDigest(digest)}
    </Typography.Text>
  );
}

export function platformText(platform: Platform | null | undefined): string {
  if (!platform) return '';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function Labels({ labels }: { labels: ArtifactLabel[] | null | undefined }) {
  if (!labels?.length) return <NotYet />;
  return (
    <>
      {labels.map((label) => (
        <Tag key={label.id} color={label.color || undefined} title={label.description || undefined}>
          {label.name}
        </Tag>
      ))}
    </>
  );
}

/** An empty cell: a dash; with a reason, the reason in a tooltip. */
export function NotYet({ reason }: { reason?: string }) {
  const { t } = useTranslation();
  const dash = <Typography.Text type="secondary">—</Typography.Text>;
  return reason ? (
    <Tooltip title={reason}>
      <span aria-label={reason}>{dash}</span>
    </Tooltip>
  ) : (
    <span aria-label={t('repository.none')}>{dash}</span>
  );
}
