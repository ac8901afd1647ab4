import { theme, Typography } from 'antd';
import type { CSSProperties } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/** A link to another site: it opens apart from the portal, which it can neither reach nor learn the address of. */
function isExternal(href: string | undefined): boolean {
  return href !== undefined && /^(?:[a-z][a-z\d+.-]*:|\/\/)/i.test(href) && !href.startsWith(`${location.origin}/`);
}

/**
 * Markdown (with GitHub's tables, task lists and autolinks) as React elements. Raw HTML in the
 * text is dropped, never parsed (no rehype-raw), and react-markdown's default URL transform turns
 * `javascript:` and other unsafe link targets into empty ones. Loaded on its own (see MarkdownText).
 */
export default function MarkdownView({ text, testId }: { text: string; testId?: string }) {
  const { token } = theme.useToken();
  const cell: CSSProperties = { border: `1px solid ${token.colorBorderSecondary}`, padding: '4px 8px', textAlign: 'start' };
  const components: Components = {
    a: ({ href, children }) =>
      isExternal(href) ? (
        <a href={href} target="_blank" rel="noopener noreferrer">
          {children}
        </a>
      ) : (
        <a href={href}>{children}</a>
      ),
    table: ({ children }) => <table style={{ borderCollapse: 'collapse', marginBottom: token.marginSM, display: 'block', overflowX: 'auto' }}>{children}</table>,
    th: ({ children, style }) => <th style={{ ...cell, ...style, background: token.colorFillQuaternary }}>{children}</th>,
    td: ({ children, style }) => <td style={{ ...cell, ...style }}>{children}</td>,
    img: ({ src, alt }) => <img src={typeof src === 'string' ? src : undefined} alt={alt ?? ''} style={{ maxWidth: '100%' }} />,
  };
  return (
    <Typography style={{ overflowWrap: 'anywhere' }} data-testid={testId}>
      <Markdown remarkPlugins={[remarkGfm]} skipHtml components={components}>
        {text}
      </Markdown>
    </Typography>
  );
}
