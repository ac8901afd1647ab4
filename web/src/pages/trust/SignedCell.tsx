import { Space, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ArtifactAddress } from '../scan/scanApi';
import { useSignatures } from './SignaturesTab';

/** A signed artifact in the artifacts table: Verified when one of its signatures verifies against the project's trust, else Signed, not verified. */
export function SignedCell({ address }: { address: ArtifactAddress }) {
  const { t } = useTranslation();
  const signatures = useSignatures(address);
  const verdicts = signatures.data ?? [];
  if (verdicts.some((verdict) => verdict.verified))
    return (
      <Tag color="success" data-testid="signed-verified">
        {t('trust.signatures.verified')}
      </Tag>
    );
  const reason = verdicts.find((verdict) => verdict.reason)?.reason;
  return (
    <Space size={4}>
      <Tag data-testid="signed">{t('repository.signedYes')}</Tag>
      {signatures.data && (
        <Tooltip title={reason}>
          <Typography.Text type="secondary" data-testid="signed-unverified">
            {t('trust.signatures.unverifiedShort')}
          </Typography.Text>
        </Tooltip>
      )}
    </Space>
  );
}
