import type { CatalogedRoute } from './catalog.js';
import { swaggerDefinitions, type ShapeRegistry, type SwaggerSchema } from './definitions.js';
import { HARBOR_OPERATIONS, type HarborOperation } from './harbor-operations.js';

export const API_PREFIX = '/api/v2.0';

type Schema = SwaggerSchema;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'body';
  required: boolean;
  type?: string;
  schema?: Schema;
}

export interface Operation {
  tags: string[];
  summary: string;
  operationId: string;
  parameters: Parameter[];
  responses: Record<string, { description: string; schema?: Schema }>;
}

export interface OpenApiDocument {
  swagger: '2.0';
  info: { title: string; version: string; description: string };
  basePath: string;
  schemes: string[];
  produces: string[];
  consumes: string[];
  securityDefinitions: Record<string, { type: string }>;
  security: Array<Record<string, string[]>>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Schema>;
}

/** Berth's own routes, which Harbor's document does not have. */
const BERTH_OPERATIONS: Readonly<Record<string, HarborOperation>> = {
  'GET /swagger.json': { tag: 'openapi', summary: "This document: Berth's OpenAPI description of its /api/v2.0 routes." },
  'GET /docs': { tag: 'openapi', summary: 'A readable page of the operations in this document.' },
  'POST /projects/{}/webhook/policies/test': {
    tag: 'webhook',
    summary: 'Send a test message to each of the given targets now; 400 names the first that did not take it.',
    status: 200,
  },
  'POST /replication/policies/preview': {
    tag: 'replication',
    summary:
      'Dry run of a replication policy (saved or not, its name optional): the artifacts it would replicate now and their destination repositories, the first `limit` (at most and by default 500) listed with the total and `truncated`. Pull policies list the source registry. System administrators.',
    query: ['limit'],
    body: 'ReplicationPolicy',
    response: 'ReplicationPreview',
    status: 200,
  },
  'GET /projects/{}/trust/material': {
    tag: 'trust',
    summary: "The project's trusted cosign and Rekor public keys and notation root certificates.",
    response: 'TrustMaterial[]',
  },
  'POST /projects/{}/trust/material': {
    tag: 'trust',
    summary: 'Trust a public key (kind cosign-key or rekor-key) or a root certificate (notation-root), given as PEM. Project admins.',
    body: 'TrustMaterialInput',
    response: 'TrustMaterial',
    status: 201,
  },
  'DELETE /projects/{}/trust/material/{}': { tag: 'trust', summary: 'Stop trusting a key or certificate; signatures are checked again without it.' },
  'GET /projects/{}/trust/policy': {
    tag: 'trust',
    summary: "How the project's notation signatures are checked, and whether cosign signatures need a Rekor entry.",
    response: 'TrustPolicy',
  },
  'PUT /projects/{}/trust/policy': { tag: 'trust', summary: "Change the project's trust policy.", body: 'TrustPolicyInput' },
  'GET /system/trust/material': { tag: 'trust', summary: 'Keys and certificates trusted in every project.', response: 'TrustMaterial[]' },
  'POST /system/trust/material': {
    tag: 'trust',
    summary: 'Trust a key or certificate in every project. System administrators.',
    body: 'TrustMaterialInput',
    response: 'TrustMaterial',
    status: 201,
  },
  'DELETE /system/trust/material/{}': { tag: 'trust', summary: 'Stop trusting a system-wide key or certificate.' },
  'GET /system/trust/policy': { tag: 'trust', summary: 'The trust policy of the system scope.', response: 'TrustPolicy' },
  'PUT /system/trust/policy': { tag: 'trust', summary: 'Change the trust policy of the system scope.', body: 'TrustPolicyInput' },
  'GET /projects/{}/repositories/{}/artifacts/{}/signatures': {
    tag: 'trust',
    summary:
      "The artifact's cosign and notation signatures (its own and its indexes'), each checked against the project's trust material: signer, verified or why not.",
    response: 'SignatureVerdict[]',
  },
};

/**
 * Berth's OpenAPI (swagger 2.0) document, generated from the routes actually registered, so
 * it lists exactly what this server answers. Operations Harbor also has borrow Harbor's tag,
 * summary, query parameters and definition names, so Harbor clients can map them one to one.
 * A definition with a response shape in `shapes` is described by it; the others are named only.
 */
export function buildOpenApiDocument(routes: readonly CatalogedRoute[], version: string, shapes: ShapeRegistry = { harbor: {}, berth: {} }): OpenApiDocument {
  const ours = routes.filter((r) => r.url === API_PREFIX || r.url.startsWith(`${API_PREFIX}/`));
  const withGet = new Set(ours.filter((r) => r.method === 'GET').map((r) => r.url));
  const paths: OpenApiDocument['paths'] = {};
  const definitions: OpenApiDocument['definitions'] = swaggerDefinitions(shapes);
  const tags = new Set<string>();
  const operationIds = new Set<string>();
  for (const route of ours) {
    // Fastify answers HEAD for every GET by itself; that is not an operation of its own.
    if (route.method === 'HEAD' && withGet.has(route.url)) continue;
    if (route.method === 'OPTIONS') continue;
    const path = swaggerPath(route.url.slice(API_PREFIX.length) || '/');
    const key = `${route.method} ${path.replace(/\{[^}]+\}/g, '{}')}`;
    const known = HARBOR_OPERATIONS[key] ?? HARBOR_OPERATIONS[toggleTrailingSlash(key)] ?? BERTH_OPERATIONS[key];
    const operation = describeOperation(route.method, path, known, definitions);
    // Fastify may register a path with and without a trailing slash; operation ids must stay unique.
    let suffix = 1;
    const base = operation.operationId;
    while (operationIds.has(operation.operationId)) operation.operationId = `${base}${++suffix}`;
    operationIds.add(operation.operationId);
    tags.add(operation.tags[0] ?? 'other');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    swagger: '2.0',
    info: {
      title: 'Berth API',
      version,
      description: "Berth's Harbor-compatible management API. Definitions carry Harbor's names (see Harbor's swagger.yaml).",
    },
    basePath: API_PREFIX,
    schemes: ['http', 'https'],
    produces: ['application/json'],
    consumes: ['application/json'],
    securityDefinitions: { basic: { type: 'basic' } },
    security: [{ basic: [] }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths: sortKeys(paths),
    definitions: sortKeys(definitions),
  };
}

/** `/projects/:project_name_or_id` → `/projects/{project_name_or_id}`; a wildcard becomes `{path}`. */
export function swaggerPath(url: string): string {
  return url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return `{${segment.slice(1).replace(/\(.*$/, '')}}`;
      if (segment === '*') return '{path}';
      return segment;
    })
    .join('/');
}

function describeOperation(method: string, path: string, known: HarborOperation | undefined, definitions: OpenApiDocument['definitions']): Operation {
  const parameters: Parameter[] = [];
  for (const match of path.matchAll(/\{([^}]+)\}/g)) parameters.push({ name: match[1] as string, in: 'path', required: true, type: 'string' });
  for (const name of known?.query ?? [])
    parameters.push({ name, in: 'query', required: false, type: name === 'page' || name === 'page_size' ? 'integer' : 'string' });
  if (known?.body) parameters.push({ name: 'body', in: 'body', required: true, schema: schemaFor(known.body, definitions) });
  const ok = String(known?.status ?? (method === 'POST' ? 201 : 200));
  const response: { description: string; schema?: Schema } = { description: 'Success' };
  if (known?.response) response.schema = schemaFor(known.response, definitions);
  return {
    tags: [known?.tag ?? firstSegment(path)],
    summary: known?.summary ?? '',
    operationId: operationId(method, path),
    parameters,
    responses: { [ok]: response, default: { description: "An error in Harbor's envelope", schema: schemaFor('Errors', definitions) } },
  };
}

function schemaFor(name: string, definitions: OpenApiDocument['definitions']): Schema {
  if (name.startsWith('#')) return { type: name.slice(1) };
  if (name.endsWith('[]')) return { type: 'array', items: schemaFor(name.slice(0, -2), definitions) };
  definitions[name] ??= { type: 'object', description: `Harbor's ${name} definition`, 'x-harbor-definition': name };
  return { $ref: `#/definitions/${name}` };
}

function toggleTrailingSlash(key: string): string {
  return key.endsWith('/') ? key.slice(0, -1) : `${key}/`;
}

function firstSegment(path: string): string {
  return path.split('/').find((s) => s && !s.startsWith('{')) ?? 'other';
}

function operationId(method: string, path: string): string {
  const words = path
    .replace(/[{}]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1));
  return method.toLowerCase() + words.join('');
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
