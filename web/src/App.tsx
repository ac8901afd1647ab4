import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, matchPath, Navigate, Route, Routes } from 'react-router';
import { ApiFailure } from './api/client';
import { lazyPage } from './lazyPage';
import { prefetchPageData } from './pages/queries';
import { currentUserQuery } from './shell/session';
import { Shell } from './shell/Shell';
import { useThemeMode } from './theme';
import { themeConfig } from './themeTokens';

const SignIn = lazyPage(() => import('./pages/SignIn'));
const SignUp = lazyPage(() => import('./pages/SignUp'));
const OidcOnboard = lazyPage(() => import('./pages/OidcOnboard'));
const Projects = lazyPage(() => import('./pages/Projects'));
const ProjectPage = lazyPage(() => import('./pages/Project'));
const RepositoryArea = lazyPage(() => import('./pages/repository'));
const NotFound = lazyPage(() => import('./pages/NotFound'));
const Admin = lazyPage(() => import('./pages/admin/Admin'));

/** The pages of the shell, most specific paths first where two could match. */
const SHELL_PAGES = [
  { path: '/projects', page: Projects },
  { path: '/projects/:projectId/repositories', page: ProjectPage },
  { path: '/projects/:projectId/repositories/*', page: RepositoryArea },
  { path: '/admin', page: Admin },
  { path: '/admin/:section', page: Admin },
  { path: '/projects/:projectId/:tab', page: ProjectPage },
] as const;

/** Pages for people not signed in: a 401 there is no ended session to sign in again from. */
const PUBLIC_PAGES = ['/sign-in', '/sign-up', '/oidc-onboard'];

/**
 * Starts what the page at `pathname` waits for while the app itself starts: the page's code and,
 * inside the shell, the signed-in user and the page's list. Called once, before the first render.
 */
export function preloadPage(pathname: string): void {
  if (pathname.startsWith('/sign-in')) void SignIn.preload();
  else if (pathname.startsWith('/sign-up')) void SignUp.preload();
  else if (pathname.startsWith('/oidc-onboard')) void OidcOnboard.preload();
  else {
    void queryClient.prefetchQuery(currentUserQuery);
    void prefetchPageData(queryClient, pathname, location.search);
    void (SHELL_PAGES.find(({ path }) => matchPath(path, pathname))?.page ?? (pathname === '/' ? Projects : NotFound)).preload();
  }
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({
    onError(error) {
      // A session that ended (expired, signed out elsewhere) sends the user to sign in again.
      if (error instanceof ApiFailure && error.status === 401 && !PUBLIC_PAGES.some((page) => location.pathname.startsWith(page))) {
        location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
      }
    },
  }),
  defaultOptions: { queries: { retry: (count, error) => !(error instanceof ApiFailure && error.status < 500) && count < 2, staleTime: 10_000 } },
});

export function App() {
  const { i18n } = useTranslation();
  const mode = useThemeMode();
  const themeTokens = useMemo(() => themeConfig(mode), [mode]);
  return (
    <ConfigProvider locale={i18n.language === 'zh-CN' ? zhCN : enUS} theme={themeTokens}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <Routes>
              <Route path="/sign-in" element={<SignIn />} />
              <Route path="/sign-up" element={<SignUp />} />
              <Route path="/oidc-onboard" element={<OidcOnboard />} />
              <Route element={<Shell />}>
                <Route index element={<Navigate to="/projects" replace />} />
                {SHELL_PAGES.map(({ path, page: Page }) => (
                  <Route key={path} path={path} element={<Page />} />
                ))}
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
