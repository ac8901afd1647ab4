import { AssertionError } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Checks Berth's JSON against Harbor's swagger 2.0 definitions, so a client written for
 * Harbor keeps working. Only the subset Harbor's definitions use: type, format, $ref,
 * items, properties, additionalProperties, x-nullable.
 */

interface SwaggerSchema {
  type?: string;
  format?: string;
  $ref?: string;
  items?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: boolean | SwaggerSchema;
  'x-nullable'?: boolean;
  'x-isnullable'?: boolean;
}

interface SwaggerDocument {
  definitions: Record<string, SwaggerSchema>;
}

export interface HarborCheck {
  /** Fields Berth sends that Harbor's definition does not have (allowed, but worth a look). */
  unknownFields: string[];
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HARBOR_SWAGGER_PATH = join(REPO_ROOT, '..', 'shared', 'reference', 'harbor-swagger.yaml');

let loaded: SwaggerDocument | undefined;

export function harborSchemaAvailable(): boolean {
  return existsSync(HARBOR_SWAGGER_PATH);
}

export function describeSkipReason(): string {
  return `Harbor's swagger reference is missing at ${HARBOR_SWAGGER_PATH} (clone shared/ beside the repository)`;
}

// Feature tests check their responses' shapes along the way. Without the reference those checks
// are not made, and every test file that would make them says so with a skipped test (which
// fails a CI run, where the reference must be present).
if (!existsSync(HARBOR_SWAGGER_PATH)) test.skip(`${describeSkipReason()}: Harbor shape checks in this file are not made`);

function harborDocument(): SwaggerDocument {
  if (!loaded) {
    const parsed = parse(readFileSync(HARBOR_SWAGGER_PATH, 'utf8')) as Partial<SwaggerDocument> | null;
    if (!parsed?.definitions) throw new Error(`${HARBOR_SWAGGER_PATH} has no definitions`);
    loaded = { definitions: parsed.definitions };
  }
  return loaded;
}

/** The definition names of Harbor's swagger, for tests that want to check a name exists. */
export function harborDefinitionNames(): string[] {
  return Object.keys(harborDocument().definitions);
}

/**
 * Fails when a field Harbor defines has the wrong type (anywhere in the value); returns the
 * field paths Harbor does not define, which are not failures.
 */
export function assertMatchesHarbor(definition: string, value: unknown, options: { array?: boolean } = {}): HarborCheck {
  if (!harborSchemaAvailable()) return { unknownFields: [] };
  const result = checkHarbor(definition, value, options);
  if (result.errors.length > 0) {
    throw new AssertionError({
      message: `response does not match Harbor's ${options.array ? `${definition}[]` : definition}:\n  ${result.errors.join('\n  ')}`,
      actual: value,
      expected: definition,
      operator: 'assertMatchesHarbor',
    });
  }
  return { unknownFields: result.unknownFields };
}

/** Like assertMatchesHarbor, but returns the type errors instead of throwing (none without the reference, as there). */
export function checkHarbor(definition: string, value: unknown, options: { array?: boolean } = {}): { errors: string[]; unknownFields: string[] } {
  if (!harborSchemaAvailable()) return { errors: [], unknownFields: [] };
  const doc = harborDocument();
  if (!doc.definitions[definition]) throw new Error(`Harbor has no definition named ${definition}`);
  const ref: SwaggerSchema = { $ref: `#/definitions/${definition}` };
  const schema: SwaggerSchema = options.array ? { type: 'array', items: ref } : ref;
  const state: Walk = { doc, errors: [], unknown: new Set() };
  validate(state, schema, value, '$');
  return { errors: state.errors, unknownFields: [...state.unknown].sort() };
}

interface Walk {
  doc: SwaggerDocument;
  errors: string[];
  unknown: Set<string>;
}

function resolve(doc: SwaggerDocument, schema: SwaggerSchema): SwaggerSchema {
  let current = schema;
  // Harbor's definitions alias each other at most a couple of levels deep; the bound guards a cycle.
  for (let depth = 0; current.$ref && depth < 16; depth++) {
    const name = current.$ref.replace('#/definitions/', '');
    const target = doc.definitions[name];
    if (!target) throw new Error(`Harbor's swagger refers to a missing definition ${name}`);
    current = { ...target, 'x-nullable': current['x-nullable'] ?? target['x-nullable'] };
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function validate(state: Walk, raw: SwaggerSchema, value: unknown, path: string): void {
  const schema = resolve(state.doc, raw);
  if (value === null) {
    if (!schema['x-nullable'] && !schema['x-isnullable'] && !raw['x-nullable'] && !raw['x-isnullable']) {
      state.errors.push(`${path}: expected ${schema.type ?? 'a value'}, got null`);
    }
    return;
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') state.errors.push(`${path}: expected string, got ${describe(value)} (${JSON.stringify(value)})`);
      else if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
        state.errors.push(`${path}: expected a date-time string, got ${JSON.stringify(value)}`);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) state.errors.push(`${path}: expected integer, got ${describe(value)} (${JSON.stringify(value)})`);
      return;
    case 'number':
      if (typeof value !== 'number') state.errors.push(`${path}: expected number, got ${describe(value)} (${JSON.stringify(value)})`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') state.errors.push(`${path}: expected boolean, got ${describe(value)} (${JSON.stringify(value)})`);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        state.errors.push(`${path}: expected array, got ${describe(value)}`);
        return;
      }
      if (schema.items) value.forEach((item, index) => validate(state, schema.items as SwaggerSchema, item, `${path}[${index}]`));
      return;
    case 'object':
      validateObject(state, schema, value, path);
      return;
    default:
      // An untyped schema (Harbor's "any" fields such as extra_attrs) accepts anything.
      return;
  }
}

function validateObject(state: Walk, schema: SwaggerSchema, value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    state.errors.push(`${path}: expected object, got ${describe(value)}`);
    return;
  }
  const properties = schema.properties ?? {};
  const extra = schema.additionalProperties;
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = `${path}.${key}`;
    const known = properties[key];
    if (known) validate(state, known, field, fieldPath);
    else if (typeof extra === 'object') validate(state, extra, field, fieldPath);
    else if (extra !== true && schema.properties) state.unknown.add(fieldPath.replace(/\[\d+\]/g, '[]'));
  }
}
