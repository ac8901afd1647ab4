import { Tabs } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ScanAll } from './ScanAll';
import { Scanners } from './Scanners';

const VIEWS = ['scanners', 'vulnerability'] as const;
type View = (typeof VIEWS)[number];

/** Harbor's "Interrogation Services": the scanner registrations, and scanning all artifacts; the view is kept in the URL. */
export function InterrogationServices() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const asked = params.get('view');
  const view: View = VIEWS.find((name) => name === asked) ?? 'scanners';

  return (
    <Tabs
      type="card"
      activeKey={view}
      onChange={(key) => setParams(key === 'scanners' ? {} : { view: key }, { replace: true })}
      items={[
        { key: 'scanners', label: t('scanAdmin.tab.scannersList'), children: view === 'scanners' ? <Scanners /> : null },
        { key: 'vulnerability', label: t('scanAdmin.tab.vulnerability'), children: view === 'vulnerability' ? <ScanAll /> : null },
      ]}
    />
  );
}
