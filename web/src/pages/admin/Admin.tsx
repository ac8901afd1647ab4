import { Button, Result, Tabs, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { useCurrentUser } from '../../shell/session';
import { AuditLogs } from './AuditLogs';
import { Configuration } from './Configuration';
import { GarbageCollection } from './GarbageCollection';
import { JobService } from './JobService';
import { Labels } from './Labels';
import { Registries } from './registries/Registries';
import { Replications } from './replication/Replications';
import { Robots } from './Robots';
import { InterrogationServices } from './scanning/InterrogationServices';
import { SecurityHub } from './security/SecurityHub';
import { SystemInfoPanel } from './SystemInfo';
import { Users } from './Users';

const SECTIONS: Record<string, () => ReactNode> = {
  users: () => <Users />,
  robots: () => <Robots />,
  registries: () => <Registries />,
  replications: () => <Replications />,
  gc: () => <GarbageCollection />,
  audit: () => <AuditLogs />,
  jobs: () => <JobService />,
  configuration: () => <Configuration />,
  system: () => <SystemInfoPanel />,
  labels: () => <Labels />,
  scanners: () => <InterrogationServices />,
  security: () => <SecurityHub />,
};

/** Tab titles kept in another area's catalogue; the others are `admin.tab.<key>`. */
const SECTION_LABELS: Record<string, string> = {
  scanners: 'scanAdmin.tab.scanners',
  security: 'scanAdmin.tab.security',
  registries: 'registries.tab',
  replications: 'replication.tab',
};

/** "Not allowed" for signed-in users who are not system administrators. */
export function NotAllowed() {
  const { t } = useTranslation();
  return (
    <Result
      status="403"
      title={t('admin.forbidden.title')}
      subTitle={t('admin.forbidden.text')}
      data-testid="admin-forbidden"
      extra={
        <Link to="/projects">
          <Button type="primary">{t('admin.forbidden.back')}</Button>
        </Link>
      }
    />
  );
}

/** The administration pages, one tab per section, each at its own URL. */
export default function Admin() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const navigate = useNavigate();
  const { section = 'users' } = useParams();

  // The identity provider's admin group makes an administrator too.
  if (!user.data?.sysadmin_flag && !user.data?.admin_role_in_auth) return <NotAllowed />;
  if (!(section in SECTIONS)) return <Navigate to="/admin/users" replace />;

  return (
    <>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('admin.title')}
      </Typography.Title>
      {/* Twelve sections: with antd's default 32px gutter they overflow a 1280px window into a "more" menu. */}
      <Tabs
        tabBarGutter={16}
        activeKey={section}
        onChange={(key) => void navigate(`/admin/${key}`)}
        items={Object.entries(SECTIONS).map(([key, render]) => ({
          key,
          label: t(SECTION_LABELS[key] ?? `admin.tab.${key}`),
          children: key === section ? render() : null,
        }))}
      />
    </>
  );
}
