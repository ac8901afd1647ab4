import { z } from 'zod';

/** A swagger 2.0 schema object, as far as the document uses it. */
export interface SwaggerSchema {
  type?: string;
  $ref?: string;
  items?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: boolean | SwaggerSchema;
  required?: string[];
  enum?: unknown[];
  description?: string;
  'x-nullable'?: boolean;
  'x-harbor-definition'?: string;
  [keyword: string]: unknown;
}

/** Response shapes by the definition name the document gives them: Harbor's names, and Berth's own for what Harbor does not define. */
export interface ShapeRegistry {
  harbor: Readonly<Record<string, z.ZodType>>;
  berth: Readonly<Record<string, z.ZodType>>;
}

/**
 * The registry's shapes as swagger 2.0 definitions. zod writes OpenAPI 3.0 schema objects, which
 * differ from swagger 2.0's only in spelling: `nullable` is `x-nullable` there, refs point into
 * `#/definitions/`, and there is no `$id`. A shape used inside another becomes a `$ref` to it.
 */
export function swaggerDefinitions(shapes: ShapeRegistry): Record<string, SwaggerSchema> {
  const all = { ...shapes.harbor, ...shapes.berth };
  const registry = z.registry<{ id: string }>();
  for (const [name, shape] of Object.entries(all)) registry.add(shape, { id: name });
  const { schemas } = z.toJSONSchema(registry, { target: 'openapi-3.0', uri: (id) => `#/definitions/${id}`, unrepresentable: 'throw' });
  const out: Record<string, SwaggerSchema> = {};
  for (const name of Object.keys(shapes.harbor)) {
    const schema = swaggerSchema(schemas[name]) as SwaggerSchema;
    out[name] = { ...schema, description: schema.description ?? `Harbor's ${name} definition`, 'x-harbor-definition': name };
  }
  for (const [name, shape] of Object.entries(shapes.berth)) {
    const schema = swaggerSchema(schemas[name]) as SwaggerSchema;
    out[name] = { ...schema, description: shape.description ?? `Berth's ${name}` };
  }
  return out;
}

function swaggerSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(swaggerSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$id' || key === '$schema') continue;
    // zod bounds every integer to the safe range; that says nothing to a reader of the API.
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    out[key === 'nullable' ? 'x-nullable' : key] = swaggerSchema(value);
  }
  // zod wraps a reused shape in a one-member allOf; a plain $ref says the same.
  const allOf = out.allOf;
  if (Object.keys(out).length === 1 && Array.isArray(allOf) && allOf.length === 1) return allOf[0];
  return out;
}
