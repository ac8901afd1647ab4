// Berth's architecture rules (DESIGN.md section 2), as a local ESLint plugin.
//
// A module is a folder directly under src/ (a feature), except that every folder under
// src/platform/ and src/policies/ is a module of its own. Modules reach each other only
// through their index.ts; platform modules reach nothing outside src/platform/; production
// code never imports test support. Paths are taken relative to the nearest `src` folder
// above the linted file, so the rules work the same on the lint test's fixtures.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Folders whose every subfolder is a module of its own. */
const SPLIT = new Set(['platform', 'policies']);
/** Files any module may import directly. */
const OPEN_FILES = new Set(['platform/clock.ts']);

/** The `src` folder a file belongs to, and its path inside it with `/` separators. */
function locate(file) {
  const parts = resolve(file).split(sep);
  const at = parts.lastIndexOf('src');
  if (at < 0) return undefined;
  return { root: parts.slice(0, at + 1).join(sep), rel: parts.slice(at + 1).join('/') };
}

/** The module a path inside src/ belongs to ('' for files directly in src/). */
function moduleOf(rel) {
  const parts = rel.split('/');
  if (parts.length === 1) return '';
  if (SPLIT.has(parts[0]) && parts.length >= 3) return `${parts[0]}/${parts[1]}`;
  return parts[0];
}

function isTestSupport(rel) {
  return rel.startsWith('testing/') || /\.(test|suite)\.ts$/.test(rel) || /(^|\/)fixtures(\/|\.|$)/.test(rel);
}

/** What a relative specifier points at inside the same src/ ('.js' read as the '.ts' source). */
function target(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const abs = resolve(dirname(from), specifier.replace(/\.js$/, '.ts'));
  return locate(abs);
}

/** Calls `check(node, specifier)` for every static import, re-export and literal dynamic import. */
function eachImport(check) {
  const source = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node.source, node.source.value);
  };
  return {
    ImportDeclaration: source,
    ExportNamedDeclaration: source,
    ExportAllDeclaration: source,
    ImportExpression: source,
  };
}

const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Modules import each other only through index.ts; src/platform/ imports nothing outside itself' },
    messages: {
      deep: "'{{specifier}}' reaches inside module {{module}}; import it through {{module}}/index.js",
      platform: "platform code may not import '{{specifier}}' from outside src/platform/",
    },
    schema: [],
  },
  create(context) {
    const here = locate(context.filename);
    // Tests reach into what they test: the boundaries are for production code.
    if (!here || isTestSupport(here.rel)) return {};
    const from = moduleOf(here.rel);
    return eachImport((node, specifier) => {
      const to = target(context.filename, specifier);
      if (!to || to.root !== here.root) return;
      const module = moduleOf(to.rel);
      if (from.split('/')[0] === 'platform' && to.rel.split('/')[0] !== 'platform') {
        context.report({ node, messageId: 'platform', data: { specifier } });
        return;
      }
      if (module === from || module === '' || OPEN_FILES.has(to.rel)) return;
      // Test support (src/testing/, *.suite.ts, *.test.ts) is a toolkit for tests, governed by
      // no-test-support-in-production, not a module with an index.
      if (isTestSupport(to.rel)) return;
      if (to.rel === `${module}/index.ts`) return;
      context.report({ node, messageId: 'deep', data: { specifier, module } });
    });
  },
};

const noTestSupportInProduction = {
  meta: {
    type: 'problem',
    docs: { description: 'Production code never imports src/testing/, *.suite.ts, *.test.ts or fixtures' },
    messages: { test: "production code may not import test support '{{specifier}}'" },
    schema: [],
  },
  create(context) {
    const here = locate(context.filename);
    if (!here || isTestSupport(here.rel)) return {};
    return eachImport((node, specifier) => {
      const to = target(context.filename, specifier);
      if (to ? isTestSupport(to.rel) : /(^|\/)fixtures(\/|\.|$)/.test(specifier)) {
        context.report({ node, messageId: 'test', data: { specifier } });
      }
    });
  },
};

const DIALECTS = new Set(['postgres', 'sqlite']);

function isDialectRead(node) {
  if (!node) return false;
  if (node.type === 'ChainExpression') return isDialectRead(node.expression);
  return node.type === 'MemberExpression' && !node.computed && node.property.name === 'dialect';
}

function isDialectName(node) {
  return node?.type === 'Literal' && DIALECTS.has(node.value);
}

const noDialectBranching = {
  meta: {
    type: 'problem',
    docs: { description: 'Only src/platform/db/ branches on the database dialect' },
    messages: {
      branch: 'branching on the database dialect belongs in src/platform/db/ (use its dialect helpers)',
    },
    schema: [],
  },
  create(context) {
    const here = locate(context.filename);
    if (here && moduleOf(here.rel) === 'platform/db') return {};
    const comparisons = new Set(['==', '===', '!=', '!==']);
    return {
      BinaryExpression(node) {
        if (!comparisons.has(node.operator)) return;
        const sides = [node.left, node.right];
        if (sides.some(isDialectRead) || sides.some(isDialectName)) context.report({ node, messageId: 'branch' });
      },
      SwitchStatement(node) {
        if (isDialectRead(node.discriminant)) context.report({ node: node.discriminant, messageId: 'branch' });
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Cycles between modules. import-x/no-cycle sees files; what matters is the module graph, so
// this rule builds it once per src/ folder from every production file's runtime imports (static
// or dynamic; type-only imports vanish at runtime) and reports an import of another module from
// which the importing module is reachable again.

const graphs = new Map();
/** Long-running hosts (editors) lint again after edits: the graph is rebuilt when this old. */
const GRAPH_TTL_MS = 2000;

function listSources(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) listSources(path, out);
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The runtime imports of a file: static imports and re-exports that are not type-only, and literal dynamic imports. */
function runtimeImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly = node.isTypeOnly || (clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** module -> Set of the modules it imports at runtime (test support left out). */
function moduleGraph(root) {
  const cached = graphs.get(root);
  if (cached && Date.now() - cached.built < GRAPH_TTL_MS) return cached.graph;
  const graph = new Map();
  for (const file of listSources(root)) {
    const rel = file
      .slice(root.length + 1)
      .split(sep)
      .join('/');
    if (isTestSupport(rel)) continue;
    const from = moduleOf(rel);
    for (const specifier of runtimeImports(file)) {
      const to = target(file, specifier);
      if (!to || to.root !== root || !existsSync(join(root, to.rel))) continue;
      const module = moduleOf(to.rel);
      if (module === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from).add(module);
    }
  }
  graphs.set(root, { graph, built: Date.now() });
  return graph;
}

/** A path of modules from `start` back to `goal`, or undefined. */
function pathBetween(graph, start, goal) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift();
    if (at === goal) {
      const path = [];
      for (let m = at; m !== undefined; m = previous.get(m)) path.unshift(m);
      return path;
    }
    for (const next of graph.get(at) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, at);
        queue.push(next);
      }
    }
  }
  return undefined;
}

const noModuleCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles between modules (folders)' },
    messages: { cycle: 'importing module {{to}} closes a cycle between modules: {{path}}' },
    schema: [],
  },
  create(context) {
    const here = locate(context.filename);
    if (!here || isTestSupport(here.rel)) return {};
    const from = moduleOf(here.rel);
    const check = (node) => {
      if (node.importKind === 'type' || node.exportKind === 'type') return;
      if (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')) return;
      const specifier = node.source?.value;
      if (typeof specifier !== 'string') return;
      const to = target(context.filename, specifier);
      if (!to || to.root !== here.root) return;
      const module = moduleOf(to.rel);
      if (module === from) return;
      const path = pathBetween(moduleGraph(here.root), module, from);
      if (path) context.report({ node: node.source, messageId: 'cycle', data: { to: module || 'src', path: [from, ...path].map((m) => m || 'src').join(' -> ') } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default {
  meta: { name: 'berth' },
  rules: {
    'module-boundaries': moduleBoundaries,
    'no-module-cycle': noModuleCycle,
    'no-test-support-in-production': noTestSupportInProduction,
    'no-dialect-branching': noDialectBranching,
  },
};
