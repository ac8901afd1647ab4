import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { MAX_CHART_FILE_BYTES } from '../content/index.js';
import { tarOf } from './fixtures.suite.js';

const CHART_YAML = 'apiVersion: v2\nname: hostile\nversion: 0.1.0\n';

async function pushChartOf(client: TestClient, tag: string, entries: ReadonlyArray<readonly [string, string]>) {
  return client.pushArtifact('library/charts', tag, {
    config: { data: Buffer.from(JSON.stringify({ apiVersion: 'v2', name: 'hostile', version: tag })), mediaType: 'application/vnd.cncf.helm.config.v1+json' },
    layers: [{ data: gzipSync(tarOf(entries)), mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' }],
  });
}

for (const dialect of testDialects()) {
  describe(`chart additions read only the file asked for (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const addition = (tag: string, name: string) =>
      api(server.url, 'GET', `/projects/library/repositories/charts/artifacts/${tag}/additions/${name}`, { authorization: null });

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      await expectJson(await api(server.url, 'PUT', '/projects/library', { body: { metadata: { public: 'true' } } }), 200);
    });
    after(() => server.close());

    it('a chart listing values.yaml many times over answers with the first, the rest unread', async () => {
      // Gzip makes these 40 MiB of repeated values a chart of a few hundred KiB.
      const copies = Array.from({ length: 40 }, () => ['hostile/values.yaml', `key: ${'v'.repeat(MAX_CHART_FILE_BYTES - 16)}\n`] as const);
      await pushChartOf(client, '0.1.0', [['hostile/Chart.yaml', CHART_YAML], ['hostile/values.yaml', 'replicas: 1\n'], ...copies]);
      const values = await addition('0.1.0', 'values.yaml');
      assert.equal(values.status, 200);
      assert.equal(await values.text(), 'replicas: 1\n');
      const dependencies = await addition('0.1.0', 'dependencies');
      assert.deepEqual(await expectJson(dependencies, 200), []);
    });

    it('a chart file over the 1 MiB shown answers 422 with why, not a 5xx', async () => {
      await pushChartOf(client, '0.2.0', [
        ['hostile/Chart.yaml', CHART_YAML],
        ['hostile/values.yaml', `key: ${'v'.repeat(MAX_CHART_FILE_BYTES)}\n`],
      ]);
      const values = await addition('0.2.0', 'values.yaml');
      assert.equal(values.status, 422);
      assert.match(await values.text(), /values\.yaml of the chart is \d+ bytes, more than the 1048576 shown/);
      const readme = await addition('0.2.0', 'readme.md');
      assert.equal(readme.status, 404);
    });
  });
}
