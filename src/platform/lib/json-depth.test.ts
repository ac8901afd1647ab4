import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDeeperThan } from './json-depth.js';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('JSON depth bound', () => {
  it('counts nesting of objects and arrays', () => {
    assert.equal(jsonDeeperThan(text('{"a":[{"b":1}]}'), 3), false);
    assert.equal(jsonDeeperThan(text('{"a":[{"b":[1]}]}'), 3), true);
    assert.equal(jsonDeeperThan(text('[]'), 0), true);
    assert.equal(jsonDeeperThan(text('"x"'), 0), false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.equal(jsonDeeperThan(text(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[" and "{{{{' })), 1), false);
    assert.equal(jsonDeeperThan(text(JSON.stringify({ a: 'ünïcödé [[[[', b: [[['deep']]] })), 3), true);
  });

  it('answers a document nested 50,000 levels deep in one pass, without recursion', () => {
    const deep = text('['.repeat(50_000) + ']'.repeat(50_000));
    assert.equal(jsonDeeperThan(deep, 64), true);
  });
});
