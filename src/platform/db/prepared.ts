import { CompiledQuery, type Compilable } from 'kysely';
import type { Executor } from './database.js';

/** Stands for the argument at `index` while a prepared query is built; found again among the compiled parameters. */
class Slot {
  constructor(readonly index: number) {}
}

interface Template {
  sql: string;
  /** Compiled parameters: constants of the query as they are, arguments as their Slot. */
  parameters: readonly unknown[];
}

/**
 * A query built and compiled once per database, then run with new argument values each time.
 * Kysely builds and compiles every query anew, which on the registry's hottest path (a
 * manifest GET) costs as much as running the indexed query itself, and allocates a tree of
 * frozen nodes per request for the collector to reclaim.
 *
 * `build` must use each argument as a single bound value (a `where` operand, an inserted
 * value): not in an IN list, not as an identifier, not inside a `sql` literal. The first build
 * checks that every argument became a parameter. The template is kept per executor object, so
 * inside a transaction (a new executor each time) the query is built anew, as any other.
 */
export function preparedQuery<Args extends readonly unknown[], Row>(
  build: (db: Executor, ...args: Args) => Compilable<Row>,
): (db: Executor, ...args: Args) => Promise<Row[]> {
  const templates = new WeakMap<Executor, Template>();
  return async (db, ...args) => {
    let template = templates.get(db);
    if (!template) {
      template = compileTemplate(db, build, args.length);
      templates.set(db, template);
    }
    const parameters = template.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    const result = await db.executeQuery<Row>(CompiledQuery.raw(template.sql, parameters));
    return result.rows;
  };
}

function compileTemplate<Args extends readonly unknown[], Row>(db: Executor, build: (db: Executor, ...args: Args) => Compilable<Row>, arity: number): Template {
  const slots = Array.from({ length: arity }, (_, index) => new Slot(index));
  const compiled = build(db, ...(slots as unknown as Args)).compile();
  const bound = new Set(compiled.parameters.filter((p): p is Slot => p instanceof Slot).map((p) => p.index));
  if (bound.size !== arity) throw new Error(`prepared query: ${arity - bound.size} of ${arity} arguments are not bound values in: ${compiled.sql}`);
  return { sql: compiled.sql, parameters: compiled.parameters };
}
