import type { TabsProps } from 'antd';
import type { TFunction } from 'i18next';
import type { Artifact } from '../../api/repository-models';
import type { ArtifactAddress } from './scanApi';
import { SbomTab } from './SbomTab';
import { VulnerabilitiesTab } from './VulnerabilitiesTab';

/** The artifact page's Vulnerabilities and SBOM tabs, each button shown only when the user's role allows it. */
export function scanTabs(
  t: TFunction,
  props: {
    address: ArtifactAddress;
    artifact: Artifact;
    can: (resource: string, action: string) => boolean;
    onChange: () => unknown;
  },
): NonNullable<TabsProps['items']> {
  const { address, artifact, can, onChange } = props;
  return [
    {
      key: 'vulnerabilities',
      label: t('scanReport.tabs.vulnerabilities'),
      children: <VulnerabilitiesTab address={address} artifact={artifact} canScan={can('scan', 'create')} canStop={can('scan', 'stop')} onChange={onChange} />,
    },
    {
      key: 'sbom',
      label: t('scanReport.tabs.sbom'),
      children: <SbomTab address={address} artifact={artifact} canGenerate={can('sbom', 'create')} canStop={can('sbom', 'stop')} onChange={onChange} />,
    },
  ];
}
