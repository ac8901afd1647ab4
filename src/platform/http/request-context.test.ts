import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { api, expectJson } from '../../testing/api.js';
import { ADMIN, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import { isValidRequestId, MAX_REQUEST_ID_LENGTH } from './request-context.js';

type LogLine = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('isValidRequestId', () => {
  it('accepts visible ASCII up to the limit and nothing else', () => {
    assert.equal(isValidRequestId('abc-123_XYZ.:/='), true);
    assert.equal(isValidRequestId('x'.repeat(MAX_REQUEST_ID_LENGTH)), true);
    assert.equal(isValidRequestId('x'.repeat(MAX_REQUEST_ID_LENGTH + 1)), false);
    assert.equal(isValidRequestId(''), false);
    assert.equal(isValidRequestId('a b'), false);
    assert.equal(isValidRequestId('a\tb'), false);
    assert.equal(isValidRequestId('a\u0000b'), false);
    assert.equal(isValidRequestId('a\u001bb'), false);
    assert.equal(isValidRequestId('caf\u00e9'), false);
  });
});

// The request context does not depend on the database: SQLite is enough.
const dialect = testDialects()[0]!;

describe('request context', () => {
  let server: TestServer;
  const lines: LogLine[] = [];

  before(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    server = await startTestServer(dialect, {}, undefined, {
      logger,
      prepare: (app) =>
        app.get('/test/boom', async () => {
          throw new Error('secret internals');
        }),
    });
    await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'logs', metadata: { public: 'false' } } }), 201);
  });
  after(() => server.close());

  /** The request's one log line, once the onResponse hook has written it. */
  function requestLine(id: string): Promise<LogLine> {
    return eventually(async () => lines.find((l) => l.request_id === id && l.msg === 'request'));
  }

  it('gives every response a generated X-Request-Id, distinct per request', async () => {
    const first = await fetch(`${server.url}/api/v2.0/health`);
    const second = await fetch(`${server.url}/api/v2.0/health`);
    const missing = await fetch(`${server.url}/no/such/path`);
    const ids = [first, second, missing].map((res) => res.headers.get('x-request-id') ?? '');
    for (const id of ids) assert.match(id, UUID);
    assert.equal(new Set(ids).size, 3);
    assert.equal(missing.status, 404);
  });

  it('echoes a valid X-Request-Id from a proxy and replaces an invalid one', async () => {
    const given = 'edge-7f3a:0001/abc';
    const echoed = await fetch(`${server.url}/api/v2.0/health`, { headers: { 'x-request-id': given } });
    assert.equal(echoed.headers.get('x-request-id'), given);
    assert.equal((await requestLine(given)).request_id, given);

    const longest = 'y'.repeat(MAX_REQUEST_ID_LENGTH);
    const atLimit = await fetch(`${server.url}/api/v2.0/health`, { headers: { 'x-request-id': longest } });
    assert.equal(atLimit.headers.get('x-request-id'), longest);

    for (const bad of ['z'.repeat(MAX_REQUEST_ID_LENGTH + 1), 'with\ttab', 'with space']) {
      const res = await fetch(`${server.url}/api/v2.0/health`, { headers: { 'x-request-id': bad } });
      assert.match(res.headers.get('x-request-id') ?? '', UUID, `replaces ${JSON.stringify(bad)}`);
    }
    // Control characters fetch will not send; the framework's injector will.
    const injected = await server.app.inject({ method: 'GET', url: '/api/v2.0/health', headers: { 'x-request-id': 'evil\u001b[31m' } });
    assert.match(String(injected.headers['x-request-id']), UUID);
  });

  it('logs an API request into a project with its id, user, project, route, status, bytes and time', async () => {
    const id = 'api-request-1';
    const res = await api(server.url, 'GET', '/projects/logs', { headers: { 'x-request-id': id } });
    const body = await res.text();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), id);
    const line = await requestLine(id);
    assert.equal(line.user, 'admin');
    assert.equal(line.project, 'logs');
    assert.equal(line.route, '/api/v2.0/projects/:project_name_or_id');
    assert.equal(line.method, 'GET');
    assert.equal(line.status, 200);
    assert.equal(line.bytes, Buffer.byteLength(body));
    assert.equal(typeof line.ms, 'number');
  });

  it('logs a /v2/ manifest request with the registry route and the repository project', async () => {
    const client = new TestClient(server.url);
    const { digest } = await client.pushImage('logs/app', 'v1');
    const id = 'registry-request-1';
    const res = await client.request('GET', '/v2/logs/app/manifests/v1', { headers: { 'x-request-id': id, accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const body = await res.arrayBuffer();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), digest);
    assert.equal(res.headers.get('x-request-id'), id);
    const line = await requestLine(id);
    assert.equal(line.user, 'admin');
    assert.equal(line.project, 'logs');
    assert.equal(line.route, '/v2/:name/manifests/:reference');
    assert.equal(line.method, 'GET');
    assert.equal(line.status, 200);
    assert.equal(line.bytes, body.byteLength);
    assert.equal(typeof line.ms, 'number');
  });

  it('logs error responses on both surfaces', async () => {
    const apiId = 'api-error-1';
    const missing = await api(server.url, 'GET', '/projects/nope', { headers: { 'x-request-id': apiId } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-request-id'), apiId);
    const apiLine = await requestLine(apiId);
    assert.equal(apiLine.status, 404);
    assert.equal(apiLine.user, 'admin');
    assert.equal(apiLine.project, 'nope');
    assert.equal(apiLine.route, '/api/v2.0/projects/:project_name_or_id');
    assert.equal(apiLine.bytes, Buffer.byteLength(await missing.text()));

    const registryId = 'registry-error-1';
    const client = new TestClient(server.url);
    const unknown = await client.request('GET', '/v2/logs/app/manifests/nope', { headers: { 'x-request-id': registryId } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-request-id'), registryId);
    const registryLine = await requestLine(registryId);
    assert.equal(registryLine.status, 404);
    assert.equal(registryLine.project, 'logs');
    assert.equal(registryLine.route, '/v2/:name/manifests/:reference');
    assert.equal(registryLine.bytes, Buffer.byteLength(await unknown.text()));

    const unauthenticatedId = 'registry-error-2';
    const challenged = await fetch(`${server.url}/v2/logs/app/manifests/v1`, { headers: { 'x-request-id': unauthenticatedId } });
    assert.equal(challenged.status, 401);
    assert.equal(challenged.headers.get('x-request-id'), unauthenticatedId);
    const challengedLine = await requestLine(unauthenticatedId);
    assert.equal(challengedLine.status, 401);
    assert.equal(challengedLine.user, 'anonymous');
    assert.equal(challengedLine.project, 'logs');
  });

  it('logs an unhandled error with the request id and answers a bare 500 carrying it', async () => {
    const id = 'boom-1';
    const res = await fetch(`${server.url}/test/boom`, { headers: { 'x-request-id': id, authorization: ADMIN } });
    const body = await res.text();
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('x-request-id'), id);
    assert.doesNotMatch(body, /secret internals/);
    const error = await eventually(async () => lines.find((l) => l.request_id === id && l.msg === 'unhandled error'));
    assert.equal(error.level, 50);
    assert.match(JSON.stringify(error.err), /secret internals/);
    const line = await requestLine(id);
    assert.equal(line.status, 500);
    assert.equal(line.route, '/test/boom');
    assert.equal(line.bytes, Buffer.byteLength(body));
  });
});
