#!/usr/bin/env node
// Runs every test file with node's test runner: unit and API tests under src/, then the
// end-to-end tests with real clients under test/e2e/. `npm test -- <filter>` narrows by path.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) find(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...find('src'), ...find('web/src'), ...find('test')].sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const tap = join(mkdtempSync(join(tmpdir(), 'berth-tests-')), 'results.tap');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    // A file that never ends (a server or timer left running) fails after this, instead of holding
    // the run until CI gives up on it; the slowest file takes a few minutes.
    `--test-timeout=${20 * 60_000}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
// In CI every suite must run: a skipped test (a missing client, an unset database URL) fails the run.
if (process.env.CI === 'true') {
  const skipped = Number(/^# skip(?:ped)? (\d+)$/m.exec(readFileSync(tap, 'utf8'))?.[1] ?? 0);
  if (skipped > 0) {
    console.error(`\n${skipped} test(s) were skipped; in CI every suite must run.`);
    process.exit(1);
  }
}
process.exit(result.status ?? 1);
