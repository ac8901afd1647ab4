import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../../testing/api.js';
import { ADMIN, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { readCookie } from './cookies.js';
import { parseQuerystring, parseSortParam, queryParam } from './query.js';

describe('readCookie', () => {
  it('reads a malformed cookie (sid=%) as absent instead of throwing', () => {
    assert.equal(readCookie('sid=%', 'sid'), undefined);
    assert.equal(readCookie('a=1; sid=%E0%A4%A', 'sid'), undefined);
    assert.equal(readCookie('a=%; sid=abc%20d', 'sid'), 'abc d');
  });
});

describe('query parameters', () => {
  it('parses into an object without a prototype and keeps repeated keys for the helpers to refuse', () => {
    const query = parseQuerystring('__proto__=1&constructor=2&sort=a&sort=b&x=%');
    assert.equal(Object.getPrototypeOf(query), null);
    assert.equal(query.__proto__, '1');
    assert.equal(query.constructor, '2');
    assert.deepEqual(query.sort, ['a', 'b']);
    assert.equal(query.x, '%');
    assert.equal(queryParam(query, 'toString'), undefined);
    assert.throws(() => queryParam(query, 'sort'), /parameter sort given more than once/);
  });

  it('sorts only by the named columns, never by inherited keys', () => {
    const columns = { name: 'name', creation_time: 'created_at' };
    assert.deepEqual(parseSortParam('name,-creation_time', columns), [
      { column: 'name', descending: false },
      { column: 'created_at', descending: true },
    ]);
    for (const key of ['__proto__', 'constructor', 'toString', '-hasOwnProperty']) assert.throws(() => parseSortParam(key, columns), /cannot sort by/);
    assert.throws(() => parseSortParam(['name', 'name'], columns), /given more than once/);
    assert.throws(() => parseSortParam('name,creation_time', columns, { single: true }), /one field/);
  });
});

for (const dialect of testDialects()) {
  describe(`malformed cookies and query parameters (${dialect.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect);
      await api(server.url, 'POST', '/projects', { body: { project_name: 'p', metadata: { public: 'true' } } });
      await new TestClient(server.url).pushImage('p/app', 'v1');
    });
    after(() => server?.close());

    it('a malformed session cookie (sid=%) is no session, never a 500', async () => {
      for (const cookie of ['sid=%', 'sid=%E0%A4%A', 'sid=%; other=1']) {
        for (const path of ['/ping', '/users/current', '/projects', '/systeminfo']) {
          const res = await api(server.url, 'GET', path, { authorization: null, headers: { cookie } });
          await res.text();
          assert.ok(res.status < 500, `${path} with cookie ${cookie}: ${res.status}`);
        }
        const admin = await api(server.url, 'GET', '/users/current', { headers: { cookie } });
        assert.equal(admin.status, 200);
        await admin.text();
      }
    });

    it('query parameters named __proto__, constructor, toString or given twice answer 400, not 500', async () => {
      const paths = ['/users', '/robots', '/projects/p/repositories', '/projects/p/repositories/app/artifacts', '/quotas', '/projects'];
      for (const path of paths) {
        const repeated = path === '/quotas' ? ['page_size=1&page_size=2'] : ['q=a&q=b'];
        for (const query of ['sort=__proto__', 'sort=constructor', 'sort=toString', 'sort=-toString', 'sort=a&sort=b', 'page=1&page=2', ...repeated]) {
          const res = await api(server.url, 'GET', `${path}?${query}`);
          const text = await res.text();
          assert.equal(res.status, 400, `${path}?${query}: ${res.status} ${text}`);
          if (query.includes('&')) assert.match(text, /given more than once/, `${path}?${query}`);
        }
        for (const query of ['__proto__=1', 'constructor=1', 'toString=1', '__proto__[admin]=1', 'hasOwnProperty=x']) {
          const res = await api(server.url, 'GET', `${path}?${query}`);
          const text = await res.text();
          assert.equal(res.status, 200, `${path}?${query}: ${res.status} ${text}`);
        }
      }
    });

    it('a value nested thousands of levels deep inside an otherwise valid body answers 400, not 500, and stores nothing', async () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const rule = {
        action: 'retain',
        template: 'always',
        params: { planted: 'DEEP' },
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      };
      const retention = { algorithm: 'or', scope: { level: 'project', ref: 1 }, trigger: { kind: 'Schedule', settings: { cron: '' } }, rules: [rule] };
      const bodies: Array<[string, string, unknown]> = [
        ['POST', '/retentions', retention],
        ['PUT', '/projects/p', { metadata: { public: 'true' }, planted: 'DEEP' }],
        ['POST', '/labels', { name: 'l', scope: 'g', planted: 'DEEP' }],
      ];
      for (const [method, path, body] of bodies) {
        const res = await fetch(`${server.url}/api/v2.0${path}`, {
          method,
          headers: { authorization: ADMIN, 'content-type': 'application/json' },
          body: JSON.stringify(body).replace('"DEEP"', deep),
        });
        const text = await res.text();
        assert.equal(res.status, 400, `${method} ${path}: ${res.status} ${text}`);
        assert.match(text, /nested more than 64 levels deep/);
      }
      const retentions = await server.database.db.selectFrom('retention_policies').select('id').execute();
      assert.deepEqual(retentions, []);
    });
  });
}
