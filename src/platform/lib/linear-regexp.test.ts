import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLinearRegExp, linearRegExpProblem } from './linear-regexp.js';

describe('linear regular expressions', () => {
  it('match as Go MatchString does: unanchored unless anchored', () => {
    const filter = compileLinearRegExp('^team-');
    assert.ok(filter instanceof RegExp);
    assert.equal(filter.test('team-blue'), true);
    assert.equal(filter.test('ops'), false);
    const anywhere = compileLinearRegExp('dev');
    assert.ok(anywhere instanceof RegExp && anywhere.test('platform-devs'));
  });

  it('run a pattern that backtracks exponentially elsewhere in time linear in the text', () => {
    const evil = compileLinearRegExp('^(a+)+$');
    assert.ok(evil instanceof RegExp);
    const started = performance.now();
    assert.equal(evil.test(`${'a'.repeat(100_000)}b`), false);
    // The backtracking engine would not finish this in a lifetime; the linear one takes milliseconds.
    assert.ok(performance.now() - started < 5_000);
  });

  it('refuse back-references, lookaround, bad syntax and long patterns with a reason', () => {
    assert.match(linearRegExpProblem('(a)\\1') ?? '', /linear time/);
    assert.match(linearRegExpProblem('(?=a)b') ?? '', /linear time/);
    assert.match(linearRegExpProblem('(') ?? '', /not a valid regular expression/);
    assert.match(linearRegExpProblem('a'.repeat(600)) ?? '', /at most 512/);
    assert.equal(linearRegExpProblem('^(dev|ops)-[a-z]+$'), undefined);
  });
});
