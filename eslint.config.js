// ESLint: typescript-eslint's recommended rules plus the architecture of DESIGN.md section 2,
// checked rather than hoped for. Layout is Prettier's business (eslint-config-prettier last).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import berth from './eslint-rules/index.js';

const SQL_METHODS = ['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'transaction'];

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'data/**', 'test/lint-fixtures/**', 'web/src/api/schema.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    ignores: ['web/**'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', setTimeout: 'readonly', Buffer: 'readonly' },
    },
    plugins: { berth },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // 1. No import cycles between folders (modules); type-only imports do not count.
      'berth/no-module-cycle': 'error',
      // 2 and 3. Modules meet through index.ts; src/platform/ knows no feature.
      'berth/module-boundaries': 'error',
      // 6. Only src/platform/db/ branches on the dialect.
      'berth/no-dialect-branching': 'error',
      // 7. Production code never imports test support.
      'berth/no-test-support-in-production': 'error',
    },
  },
  {
    // The portal: a browser app, so the server's architecture rules do not apply; the type rules and React's hook rules do.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // 4. Routes are HTTP only: SQL lives in repos.
    files: ['**/routes.ts', '**/*-routes.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'kysely', message: 'routes are HTTP only; queries belong in a repo' }] }],
      'no-restricted-syntax': [
        'error',
        ...SQL_METHODS.map((name) => ({
          selector: `CallExpression > MemberExpression.callee[property.name='${name}']`,
          message: `routes are HTTP only; .${name}() belongs in a repo or service`,
        })),
      ],
    },
  },
  {
    // 5. Repos and services take no HTTP types.
    files: ['**/repo.ts', '**/*-repo.ts', '**/service.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'fastify', message: 'repos and services take no HTTP types' }],
          patterns: [{ group: ['@fastify/*'], message: 'repos and services take no HTTP types' }],
        },
      ],
    },
  },
  prettier,
);
