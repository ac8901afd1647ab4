import { Button, Popover, Segmented, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Artifact } from '../../api/repository-models';
import { useRegistryHost } from './shared';

type Tool = 'docker' | 'podman';

/** The pull command of an artifact, by tag and by digest, for docker or podman, each copied with one click. */
export function PullCommand({ artifact }: { artifact: Artifact }) {
  const { t } = useTranslation();
  const host = useRegistryHost();
  const [tool, setTool] = useState<Tool>('docker');
  const name = `${host}/${artifact.repository_name}`;
  const tag = artifact.tags?.[0]?.name;
  const byTag = tag ? `${tool} pull ${name}:${tag}` : undefined;
  const byDigest = `${tool} pull ${name}@${artifact.digest}`;
  const tooltips = [t('repository.copy'), t('repository.copied')];
  const content = (
    <Space direction="vertical" style={{ maxWidth: 'min(640px, 90vw)' }}>
      <Segmented<Tool> aria-label={t('repository.pullTool')} value={tool} onChange={setTool} options={['docker', 'podman']} />
      {byTag && (
        <div>
          <Typography.Text type="secondary">{t('repository.byTag')}</Typography.Text>
          <Typography.Paragraph code copyable={{ text: byTag, tooltips }} style={{ margin: 0, wordBreak: 'break-all' }} data-testid="pull-by-tag">
            {byTag}
          </Typography.Paragraph>
        </div>
      )}
      <div>
        <Typography.Text type="secondary">{t('repository.byDigest')}</Typography.Text>
        <Typography.Paragraph code copyable={{ text: byDigest, tooltips }} style={{ margin: 0, wordBreak: 'break-all' }} data-testid="pull-by-digest">
          {byDigest}
        </Typography.Paragraph>
      </div>
    </Space>
  );
  return (
    <Popover content={content} title={t('repository.pullCommand')} trigger="click" placement="bottomRight">
      <Button size="small" data-testid="pull-command">
        {t('repository.pull')}
      </Button>
    </Popover>
  );
}
