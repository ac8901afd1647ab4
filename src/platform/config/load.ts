import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {}

type Tree = { [key: string]: unknown };

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges `overlay` into `base`; overlay wins. */
function merge(base: Tree, overlay: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? merge(current, value) : value;
  }
  return out;
}

/** Map of upper-cased, underscore-free key names to the schema's real key paths. */
function envKeyPaths(): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  const shape = configSchema.shape;
  for (const [section, sectionSchema] of Object.entries(shape)) {
    const inner = unwrapObject(sectionSchema);
    if (inner) {
      for (const [key, keySchema] of Object.entries(inner.shape)) {
        // A group inside a section (server.tls.cert) is spelled BERTH_SERVER_TLS_CERT.
        const group = unwrapObject(keySchema as z.ZodType);
        if (group) {
          for (const sub of Object.keys(group.shape)) paths.set(`${normalise(section)}_${normalise(key)}${normalise(sub)}`, [section, key, sub]);
        } else {
          paths.set(`${normalise(section)}_${normalise(key)}`, [section, key]);
        }
      }
    } else {
      paths.set(normalise(section), [section]);
    }
  }
  return paths;
}

function unwrapObject(schema: z.ZodType): z.ZodObject | undefined {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.ZodType;
  }
  return current instanceof z.ZodObject ? current : undefined;
}

/** `externalUrl` and `EXTERNAL_URL` both become `EXTERNALURL`. */
function normalise(name: string): string {
  return name.replace(/_/g, '').toUpperCase();
}

/**
 * `BERTH_SERVER_PORT=8080` → `{ server: { port: '8080' } }`. Unknown BERTH_* names are an
 * error, so a typo never silently falls back to a default.
 */
export function envOverlay(env: NodeJS.ProcessEnv): Tree {
  const paths = envKeyPaths();
  const overlay: Tree = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('BERTH_') || value === undefined || IGNORED_ENV.has(name)) continue;
    const rest = name.slice('BERTH_'.length);
    const sectionSplit = rest.indexOf('_');
    const candidates = [normalise(rest)];
    if (sectionSplit > 0) candidates.unshift(`${normalise(rest.slice(0, sectionSplit))}_${normalise(rest.slice(sectionSplit + 1))}`);
    const path = candidates.map((c) => paths.get(c)).find((p) => p !== undefined);
    if (!path) throw new ConfigError(`unknown configuration variable ${name}`);
    let node = overlay;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = isTree(next) ? next : (node[part] = {});
    }
    node[path[path.length - 1] as string] = value;
  }
  return overlay;
}

/** Variables that belong to the tooling around Berth rather than to its configuration. */
const IGNORED_ENV = new Set(['BERTH_CONFIG', 'BERTH_TEST_PG_URL', 'BERTH_NEW_PASSWORD']);

/** Historic spelling kept for the one variable people set most. */
function aliases(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  if (out.BERTH_ADMIN_PASSWORD !== undefined && out.BERTH_AUTH_ADMIN_PASSWORD === undefined) {
    out.BERTH_AUTH_ADMIN_PASSWORD = out.BERTH_ADMIN_PASSWORD;
  }
  delete out.BERTH_ADMIN_PASSWORD;
  return out;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flags given on the command line: they win over file and environment. */
  overrides?: Tree;
}

/** Reads the YAML file, overlays BERTH_* env and CLI flags, validates, and freezes. */
export function loadConfig(options: LoadOptions = {}): Config {
  let fromFile: Tree = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(err as Error).message}`);
    }
    const parsed: unknown = parseYaml(text);
    if (parsed !== null && parsed !== undefined && !isTree(parsed)) {
      throw new ConfigError(`config file ${options.file} must hold a YAML mapping`);
    }
    fromFile = parsed ?? {};
  }
  const merged = merge(merge(fromFile, envOverlay(aliases(options.env ?? process.env))), options.overrides ?? {});
  return parseConfig(merged);
}

export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (isTree(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
