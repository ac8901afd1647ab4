import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import type { OpenApiDocument } from './document.js';

for (const dialect of testDialects()) {
  describe(`Berth's OpenAPI document and docs page (${dialect.name})`, () => {
    let server: TestServer;
    let doc: OpenApiDocument;

    before(async () => {
      server = await startTestServer(dialect);
      doc = await expectJson<OpenApiDocument>(await api(server.url, 'GET', '/swagger.json', { authorization: null }), 200);
    });
    after(() => server.close());

    it('is a public swagger 2.0 document rooted at /api/v2.0', () => {
      assert.equal(doc.swagger, '2.0');
      assert.equal(doc.basePath, '/api/v2.0');
      assert.equal(doc.info.title, 'Berth API');
    });

    it('lists registered operations with Harbor summaries and definition names', () => {
      const listProjects = doc.paths['/projects']?.get;
      assert.ok(listProjects, 'GET /projects is listed');
      assert.equal(listProjects.summary, 'List projects');
      assert.deepEqual(listProjects.tags, ['project']);
      assert.deepEqual(listProjects.responses['200']?.schema, { type: 'array', items: { $ref: '#/definitions/Project' } });
      assert.ok(listProjects.parameters.some((p) => p.name === 'page_size' && p.in === 'query'));
      const createRobot = doc.paths['/robots']?.post;
      assert.ok(createRobot, 'POST /robots is listed');
      assert.deepEqual(createRobot.parameters.find((p) => p.in === 'body')?.schema, { $ref: '#/definitions/RobotCreate' });
      assert.deepEqual(createRobot.responses['201']?.schema, { $ref: '#/definitions/RobotCreated' });
      const project = doc.paths['/projects/{project_name_or_id}']?.get;
      assert.ok(project?.parameters.some((p) => p.name === 'project_name_or_id' && p.in === 'path' && p.required));
      assert.equal(doc.definitions.Project?.['x-harbor-definition'], 'Project');
      // Definitions with a response shape are described by it; the others are named only.
      assert.deepEqual(doc.definitions.Project?.properties?.project_id, { type: 'integer' });
      assert.ok(doc.definitions.Project?.required?.includes('metadata'));
      assert.equal(doc.definitions.RobotCreate?.properties, undefined);
      assert.ok(doc.paths['/swagger.json']?.get && doc.paths['/ping']?.get && doc.paths['/statistics']?.get);
    });

    it('does not list routes that do not exist, nor the automatic HEAD of each GET', async () => {
      assert.equal(doc.paths['/made-up/path'], undefined);
      assert.equal(doc.paths['/projects']?.head, undefined);
      assert.ok(
        Object.keys(doc.paths).every((path) => !path.includes(':')),
        'parameters are written {like_this}',
      );
      const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
      assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
      const answers = await Promise.all(
        Object.keys(doc.paths)
          .filter((path) => doc.paths[path]?.get && !path.includes('{'))
          .map(async (path) => [path, (await api(server.url, 'GET', path)).status] as const),
      );
      assert.ok(answers.length > 10);
      assert.deepEqual(
        answers.filter(([, status]) => status === 404),
        [],
        'every listed GET route answers',
      );
      assert.equal((await api(server.url, 'GET', '/made-up/path')).status, 404);
    });

    it('serves a self-contained HTML docs page that reads swagger.json', async () => {
      const res = await api(server.url, 'GET', '/docs', { authorization: null });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const html = await res.text();
      assert.match(html, /<title>Berth API<\/title>/);
      assert.match(html, /fetch\('swagger\.json'/);
      assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\//, 'nothing loaded from elsewhere');
    });
  });
}
