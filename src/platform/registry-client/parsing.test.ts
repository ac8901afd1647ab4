/** The header grammars the client reads: WWW-Authenticate challenges, Link paging, Retry-After. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge } from './auth.js';
import { nextLink } from './paging.js';
import { RegistryClient } from './client.js';
import { backoffMs } from './requester.js';

describe('registry client header parsing', () => {
  it('reads Bearer challenges with quoted commas and escapes, preferring Bearer over Basic', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    assert.equal(parseChallenge('Basic realm="x", Bearer realm="https://t/",error="insufficient_scope"')?.params.error, 'insufficient_scope');
    assert.deepEqual(parseChallenge('Basic realm="say \\"hi\\""'), { scheme: 'basic', params: { realm: 'say "hi"' } });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge(undefined), undefined);
    // Linear on hostile input.
    assert.equal(parseChallenge(`Bearer ${'a="'.repeat(50_000)}`)?.scheme, 'bearer');
  });

  it('follows rel="next" only', () => {
    assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
    assert.equal(nextLink('<https://r/x?a=1>; rel="prev", <https://r/x?a=3>; rel=next'), 'https://r/x?a=3');
    assert.equal(nextLink('<https://r/x>; rel="nextish"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });

  it('waits as Retry-After says (seconds or a date), bounded, and backs off exponentially otherwise', () => {
    assert.equal(backoffMs(1, '3'), 3000);
    assert.equal(backoffMs(1, new Date(10_000).toUTCString(), 5_000), 5_000);
    assert.equal(backoffMs(1, '999999'), 60_000);
    for (const attempt of [1, 2, 3]) {
      const ms = backoffMs(attempt, undefined);
      assert.ok(ms >= 125 * 2 ** (attempt - 1) && ms <= 250 * 2 ** (attempt - 1));
    }
    assert.ok(backoffMs(30, undefined) <= 20_000);
  });

  it('refuses a connection it cannot use before any request', () => {
    for (const url of ['registry.example.com', 'ftp://registry.example.com', 'https://user:pw@registry.example.com']) {
      assert.throws(() => new RegistryClient({ url }), { name: 'RegistryError', reason: 'invalid' });
    }
    assert.throws(() => new RegistryClient({ url: 'https://registry.example.com', caCertPem: 'not a certificate' }), {
      reason: 'invalid',
      message: /not a PEM certificate/,
    });
  });
});
