import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOUBLESTAR_LIMITS, doublestarMatch, doublestarProblem, type DoublestarSyntax } from './doublestar.js';

/** The regular expressions patterns used to compile to, as an oracle on short inputs only. */
function reference(pattern: string, syntax: DoublestarSyntax): RegExp {
  if (syntax === 'repository') {
    const body = pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    return new RegExp(`^${body}$`);
  }
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '{') {
      out += '(?:';
      depth++;
    } else if (ch === '}' && depth > 0) {
      out += ')';
      depth--;
    } else if (ch === ',' && depth > 0) out += '|';
    else out += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}${')'.repeat(depth)}$`);
}

describe('doublestar matcher', () => {
  it('keeps the semantics of Harbor rules', () => {
    const table: Array<[string, string, boolean]> = [
      ['**', 'a/b/c', true],
      ['**', '', true],
      ['*', '', true],
      ['*', 'a/b', false],
      ['release-*', 'release-1.2', true],
      ['release-*', 'dev-1', false],
      ['{v1,v2}.*', 'v2.0', true],
      ['{v1,v2}.*', 'v3.0', false],
      ['team/*', 'team/a', true],
      ['team/*', 'team/a/b', false],
      ['team/**', 'team/a/b', true],
      ['team/**/x', 'team/a/b/x', true],
      ['v?', 'v1', true],
      ['v?', 'v12', false],
      ['a?b', 'a/b', false],
      ['{a,{b,c}d}', 'cd', true],
      ['{a,{b,c}d}', 'c', false],
      ['{,x}y', 'y', true],
      ['{a,b', 'b', true],
      ['a}', 'a}', true],
      ['a,b', 'a,b', true],
      ['x.y', 'xzy', false],
      ['(a|b)+', '(a|b)+', true],
      ['[ab]', '[ab]', true],
      ['***', 'a/b', true],
      ['{*,x/**}', 'x/y/z', true],
      ['{*,x/**}', 'y/z', false],
    ];
    for (const [pattern, subject, expected] of table) {
      assert.equal(doublestarMatch(pattern, subject), expected, `${pattern} ~ ${subject}`);
    }
  });

  it('treats only * and ** as special in repository patterns', () => {
    assert.ok(doublestarMatch('team-a/**', 'team-a/x/y', 'repository'));
    assert.ok(!doublestarMatch('team-a/*', 'team-a/x/y', 'repository'));
    assert.ok(doublestarMatch('a?{b,c}', 'a?{b,c}', 'repository'));
    assert.ok(!doublestarMatch('a?', 'ab', 'repository'));
  });

  it('agrees with the former regular expressions on random short inputs', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const patternAlphabet = ['a', 'b', '/', '*', '**', '?', '{', '}', ',', '.'];
    const subjectAlphabet = ['a', 'b', '/', '.', '?', ','];
    for (let n = 0; n < 5000; n++) {
      let pattern = '';
      for (let k = random(8); k >= 0; k--) pattern += patternAlphabet[random(patternAlphabet.length)];
      let subject = '';
      for (let k = random(8); k > 0; k--) subject += subjectAlphabet[random(subjectAlphabet.length)];
      for (const syntax of ['harbor', 'repository'] as const) {
        assert.equal(doublestarMatch(pattern, subject, syntax), reference(pattern, syntax).test(subject), `${syntax}: ${pattern} ~ ${subject}`);
      }
    }
  });

  it('a backtracking doublestar pattern matches a long tag in linear time', () => {
    const tag = 'a'.repeat(128);
    const patterns = [
      `${'**a'.repeat(7)}**b`,
      `${'**a'.repeat(29)}**b`,
      `${'*a'.repeat(31)}*b`,
      `${'{a,a}'.repeat(16)}${'**a'.repeat(16)}b`,
      `${'?**'.repeat(16)}b`,
    ];
    for (const pattern of patterns) assert.equal(doublestarProblem(pattern), undefined, pattern);
    const started = performance.now();
    for (let n = 0; n < 10_000; n++) {
      const pattern = patterns[n % patterns.length]!;
      assert.equal(doublestarMatch(pattern, n % 2 ? tag : `${tag}/${tag}`), false);
    }
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `10,000 adversarial matches took ${Math.round(elapsed)} ms`);
    // Beyond the limits too, the matcher stays linear.
    const huge = `${'**a'.repeat(200)}**b`;
    const once = performance.now();
    assert.equal(doublestarMatch(huge, 'a'.repeat(1024)), false);
    assert.ok(performance.now() - once < 2000);
  });

  it('bounds what a pattern may hold', () => {
    assert.equal(doublestarProblem('release-*'), undefined);
    assert.match(doublestarProblem('')!, /empty/);
    assert.match(doublestarProblem('a'.repeat(DOUBLESTAR_LIMITS.maxLength + 1))!, /at most 255 characters/);
    assert.equal(doublestarProblem('*'.repeat(64)), undefined, '32 ** wildcards');
    assert.match(doublestarProblem(`${'**a'.repeat(33)}`)!, /at most 32 wildcards/);
    assert.match(doublestarProblem('?'.repeat(33))!, /wildcards/);
    assert.equal(doublestarProblem('?'.repeat(33), 'repository'), undefined, '? is literal in repository patterns');
    assert.match(doublestarProblem('{a}'.repeat(17))!, /at most 16 \{…\} groups/);
    assert.match(doublestarProblem(`{${'a,'.repeat(64)}a}`)!, /alternatives/);
    assert.match(doublestarProblem('{{{{a}}}}')!, /nest at most 3 deep/);
    assert.equal(doublestarProblem('{{{a}}}'), undefined);
  });
});
