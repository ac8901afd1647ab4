import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiFailure } from './api/client';
import { Loading } from './shell/Loading';
import { Shell } from './shell/Shell';
import { useThemeMode } from './theme';
import { themeConfig } from './themeTokens';

const SignIn = lazy(() => import('./pages/SignIn'));
const SignUp = lazy(() => import('./pages/SignUp'));
const Projects = lazy(() => import('./pages/Projects'));
const ProjectPage = lazy(() => import('./pages/Project'));
const RepositoryArea = lazy(() => import('./pages/repository'));
const NotFound = lazy(() => import('./pages/NotFound'));
const Admin = lazy(() => import('./pages/admin/Admin'));

const queryClient = new QueryClient({
  queryCache: new QueryCache({
    onError(error) {
      // A session that ended (expired, signed out elsewhere) sends the user to sign in again.
      if (error instanceof ApiFailure && error.status === 401 && !location.pathname.startsWith('/sign-in') && !location.pathname.startsWith('/sign-up')) {
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
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/sign-in" element={<SignIn />} />
                <Route path="/sign-up" element={<SignUp />} />
                <Route element={<Shell />}>
                  <Route index element={<Navigate to="/projects" replace />} />
                  <Route path="/projects" element={<Projects />} />
                  <Route path="/projects/:projectId/repositories" element={<ProjectPage />} />
                  <Route path="/projects/:projectId/repositories/*" element={<RepositoryArea />} />
                  <Route path="/admin" element={<Admin />} />
                  <Route path="/admin/:section" element={<Admin />} />
                  <Route path="/projects/:projectId/:tab" element={<ProjectPage />} />
                  <Route path="*" element={<NotFound />} />
                </Route>
              </Routes>
            </Suspense>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
