import { Space, Tag, Tooltip, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { SEVERITIES } from './VulnerabilityCell';

/** A bar split by severity, and the count of each: how bad the report is at a glance. */
export function SeveritySummary({ counts, total, fixable }: { counts: Record<string, number>; total: number; fixable: number }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const present = SEVERITIES.filter(([severity]) => (counts[severity] ?? 0) > 0);
  return (
    <Space direction="vertical" size={6} style={{ width: '100%' }} data-testid="severity-summary">
      <Typography.Text strong>{t('scanReport.totals', { total, fixable })}</Typography.Text>
      {total > 0 && (
        <div role="img" aria-label={t('scanReport.barLabel')} style={{ display: 'flex', height: 10, borderRadius: 5, overflow: 'hidden', maxWidth: 640 }}>
          {present.map(([severity, colour]) => (
            <Tooltip key={severity} title={`${t(`scan.severity.${severity}`)} ${counts[severity]}`}>
              <div style={{ flexGrow: counts[severity], background: colour === 'default' ? token.colorTextQuaternary : token[colour] }} />
            </Tooltip>
          ))}
        </div>
      )}
      <Space size={4} wrap>
        {SEVERITIES.map(([severity, colour]) => (
          <Tag key={severity} color={colour} data-testid={`severity-count-${severity}`}>
            {t(`scan.severity.${severity}`)} {counts[severity] ?? 0}
          </Tag>
        ))}
      </Space>
    </Space>
  );
}
