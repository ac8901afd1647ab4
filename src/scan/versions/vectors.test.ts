import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareVersions, type Ordering } from './index.js';

// osv-scalibr's version-ordering vectors (google/osv-scalibr semantic/testdata, Apache-2.0), kept in
// the shared reference beside the repository: lines `a < b`, `a = b`, `a > b`; blank lines and
// lines starting with `# ` or `// ` are comments.
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const VECTORS = join(REPO_ROOT, '..', 'shared', 'reference', 'security', 'vectors', 'versions');

const FILES: { file: string; ecosystems: string[] }[] = [
  { file: 'osv-scalibr-debian-versions.txt', ecosystems: ['Debian:12', 'Ubuntu:22.04:LTS'] },
  { file: 'osv-scalibr-debian-versions-generated.txt', ecosystems: ['Debian:12'] },
  { file: 'osv-scalibr-alpine-versions.txt', ecosystems: ['Alpine:v3.19', 'Wolfi'] },
  { file: 'osv-scalibr-alpine-versions-generated.txt', ecosystems: ['Alpine:v3.19'] },
  { file: 'osv-scalibr-redhat-versions.txt', ecosystems: ['Red Hat', 'AlmaLinux:9'] },
  { file: 'osv-scalibr-semver-versions.txt', ecosystems: ['npm', 'crates.io', 'Go'] },
  { file: 'osv-scalibr-pypi-versions.txt', ecosystems: ['PyPI'] },
  { file: 'osv-scalibr-maven-versions.txt', ecosystems: ['Maven'] },
];

const EXPECTED: Record<string, Ordering> = { '<': -1, '=': 0, '>': 1 };

interface Vector {
  line: number;
  a: string;
  b: string;
  expected: Ordering;
}

function readVectors(file: string): Vector[] {
  const vectors: Vector[] = [];
  readFileSync(join(VECTORS, file), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text === '' || text.startsWith('# ') || text.startsWith('// ')) return;
      const pieces = text.split(' ');
      const expected = EXPECTED[pieces[1] ?? ''];
      assert.ok(pieces.length === 3 && expected !== undefined, `${file}:${index + 1} is not 'a <op> b': ${text}`);
      vectors.push({ line: index + 1, a: pieces[0] as string, b: pieces[2] as string, expected });
    });
  return vectors;
}

/** Every vector in both directions; the failures as readable lines. */
function failures(ecosystem: string, file: string, vectors: Vector[]): string[] {
  const failed: string[] = [];
  const check = (v: Vector, a: string, b: string, expected: Ordering) => {
    let actual: string;
    try {
      actual = String(compareVersions(ecosystem, a, b));
    } catch (error) {
      actual = `error: ${(error as Error).message}`;
    }
    if (actual !== String(expected)) failed.push(`${file}:${v.line} ${ecosystem}: compare(${a}, ${b}) should be ${expected}, is ${actual}`);
  };
  for (const v of vectors) {
    check(v, v.a, v.b, v.expected);
    check(v, v.b, v.a, (0 - v.expected) as Ordering);
  }
  return failed;
}

if (!existsSync(VECTORS)) {
  test.skip(`the version-ordering vectors are missing at ${VECTORS} (clone shared/ beside the repository)`);
} else {
  describe('version ordering agrees with every line of the osv-scalibr vectors', () => {
    for (const { file, ecosystems } of FILES) {
      for (const ecosystem of ecosystems) {
        it(`${file} as ${ecosystem}`, () => {
          const vectors = readVectors(file);
          assert.ok(vectors.length > 0, `${file} has no vectors`);
          const failed = failures(ecosystem, file, vectors);
          assert.deepEqual(failed.slice(0, 30), [], `${failed.length} of ${vectors.length * 2} comparisons disagree`);
        });
      }
    }
  });
}
