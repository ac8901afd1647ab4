import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's built portal: `<package>/dist/web`, from `src/portal` (tsx) and `dist/portal` (built) alike. */
export const DEFAULT_PORTAL_DIRECTORY = fileURLToPath(new URL('../../dist/web', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Files under assets/ carry a content hash in their names: a new build gives new names, so a cached copy never goes stale. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current build's assets, so the browser must ask again each time. */
export const NO_CACHE = 'no-cache';

export interface PortalFile {
  body: Buffer;
  type: string;
  cacheControl: string;
}

/**
 * The built portal's files, read once at start: the build is a few hundred KiB and does not change
 * while the server runs. Undefined when there is no build (a checkout run without `npm run build`).
 */
export class PortalFiles {
  private constructor(
    readonly index: PortalFile,
    private readonly directory: string,
    private readonly cache = new Map<string, PortalFile>(),
  ) {}

  static open(directory: string): PortalFiles | undefined {
    const indexPath = join(directory, 'index.html');
    if (!existsSync(indexPath)) return undefined;
    return new PortalFiles({ body: readFileSync(indexPath), type: TYPES['.html'] as string, cacheControl: NO_CACHE }, resolve(directory));
  }

  /** A file under the portal directory by its URL path (`/assets/x.js`); never one outside it. */
  file(urlPath: string): PortalFile | undefined {
    const cached = this.cache.get(urlPath);
    if (cached) return cached;
    let relative: string;
    try {
      relative = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (relative.includes('\0')) return undefined;
    const path = resolve(this.directory, `.${relative}`);
    if (!path.startsWith(this.directory + sep) || !existsSync(path) || !statSync(path).isFile()) return undefined;
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    if (path === join(this.directory, 'index.html')) return this.index;
    const file = { body: readFileSync(path), type, cacheControl: relative.startsWith('/assets/') ? IMMUTABLE : NO_CACHE };
    this.cache.set(urlPath, file);
    return file;
  }
}
