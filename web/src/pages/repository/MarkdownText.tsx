import { Skeleton } from 'antd';
import { lazy, Suspense } from 'react';

// The Markdown renderer and its parser are a chunk of their own, fetched when a page first shows Markdown.
const MarkdownView = lazy(() => import('./Markdown'));

/** Markdown text, rendered safely (see Markdown.tsx); a skeleton while the renderer loads. */
export function MarkdownText({ text, testId }: { text: string; testId?: string }) {
  return (
    <Suspense fallback={<Skeleton active paragraph={{ rows: 2 }} title={false} />}>
      <MarkdownView text={text} testId={testId} />
    </Suspense>
  );
}
