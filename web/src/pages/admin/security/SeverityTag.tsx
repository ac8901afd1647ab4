import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { SEVERITIES } from '../../scan/VulnerabilityCell';

/** A severity in its colour, as the artifact tables show it. */
export function SeverityTag({ severity }: { severity: string }) {
  const { t } = useTranslation();
  const color = SEVERITIES.find(([name]) => name === severity)?.[1];
  return (
    <Tag color={color} data-testid="severity">
      {t(`scan.severity.${severity}`, { defaultValue: severity })}
    </Tag>
  );
}
