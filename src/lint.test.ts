import assert from 'node:assert/strict';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// The architecture rules of eslint.config.js, run on test/lint-fixtures/src: each deliberately
// bad file must break exactly the rule it was written to break, and the good files none.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'lint-fixtures');

const expected: Record<string, string[]> = {
  'src/alpha/index.ts': [],
  'src/alpha/value.ts': ['berth/no-module-cycle'],
  'src/beta/index.ts': [],
  'src/beta/value.ts': ['berth/no-module-cycle'],
  'src/beta/any.ts': ['@typescript-eslint/no-explicit-any'],
  'src/gamma/index.ts': [],
  'src/gamma/value.ts': [],
  'src/gamma/loose.ts': [],
  'src/gamma/deep.ts': ['berth/module-boundaries'],
  'src/gamma/routes.ts': ['no-restricted-imports', 'no-restricted-syntax'],
  'src/gamma/repo.ts': ['no-restricted-imports'],
  'src/gamma/uses-testing.ts': ['berth/no-test-support-in-production'],
  'src/gamma/dialect.ts': ['berth/no-dialect-branching'],
  'src/gamma/gamma.suite.ts': [],
  'src/delta/index.ts': [],
  'src/epsilon/index.ts': [],
  'src/zeta/index.ts': [],
  'src/policies/keep/index.ts': [],
  'src/policies/keep/rules.ts': [],
  'src/platform/clock.ts': [],
  'src/platform/db/index.ts': [],
  'src/platform/db/database.ts': [],
  'src/platform/lib/index.ts': [],
  'src/platform/bad/feature.ts': ['berth/module-boundaries'],
  'src/testing/helper.ts': [],
};

describe('lint rules', () => {
  it('report each deliberate violation in the fixtures, and nothing in the good files', async () => {
    // The normal run ignores the fixtures; `ignore: false` lints them with the real config.
    const eslint = new ESLint({ cwd: root, ignore: false });
    const results = await eslint.lintFiles([fixtures]);
    const actual: Record<string, string[]> = {};
    for (const result of results) {
      const fatal = result.messages.filter((m) => m.fatal);
      assert.deepEqual(fatal, [], `${result.filePath} did not parse`);
      actual[relative(fixtures, result.filePath).split('\\').join('/')] = [...new Set(result.messages.map((m) => m.ruleId ?? ''))].sort();
    }
    const want = Object.fromEntries(Object.entries(expected).map(([file, rules]) => [file, [...rules].sort()]));
    assert.deepEqual(actual, want);
  });

  it('name the modules of a cycle and the module a deep import reaches into', async () => {
    const eslint = new ESLint({ cwd: root, ignore: false });
    const [cycle, deep] = await eslint.lintFiles([join(fixtures, 'src/alpha/value.ts'), join(fixtures, 'src/gamma/deep.ts')]);
    assert.match(cycle?.messages[0]?.message ?? '', /alpha -> beta -> alpha/);
    assert.match(deep?.messages[0]?.message ?? '', /policies\/keep\/index\.js/);
  });
});
