import { useEffect, useState, type ComponentType, type ReactNode } from 'react';
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { Loading } from './shell/Loading';

function LoadFailed({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return <Alert type="error" message={t('app.error')} description={error instanceof Error ? error.message : String(error)} />;
}

export interface LazyPage<P> {
  (props: P): ReactNode;
  /** Starts loading the page's code; resolves once it can render without waiting. */
  preload(): Promise<void>;
}

/**
 * A page whose code loads on first use, like React.lazy but without Suspense: React reveals
 * suspended content no sooner than 300 ms after the last fallback it showed, which would add
 * that much to every page's first paint. The page renders a spinner until its code is there,
 * and not at all when it was preloaded.
 */
export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>, fallback: ReactNode = <Loading />): LazyPage<P> {
  let page: ComponentType<P> | undefined;
  let failure: unknown;
  let pending: Promise<void> | undefined;
  const preload = (): Promise<void> =>
    (pending ??= load().then(
      (module) => {
        page = module.default;
      },
      (error: unknown) => {
        failure = error;
        pending = undefined;
      },
    ));

  function Lazy(props: P): ReactNode {
    const [, setLoaded] = useState(0);
    useEffect(() => {
      if (page) return;
      let current = true;
      void preload().then(() => current && setLoaded((n) => n + 1));
      return () => {
        current = false;
      };
    }, []);
    if (page) {
      const Page = page;
      return <Page {...props} />;
    }
    // A chunk that failed to load (the server went away, a deploy replaced it) says so rather than leaving the page blank.
    if (failure) return <LoadFailed error={failure} />;
    return fallback;
  }
  Lazy.preload = preload;
  return Lazy;
}
