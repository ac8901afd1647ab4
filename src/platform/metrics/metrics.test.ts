import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { sha256, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';

/** One sample of the text format: `name{a="b",c="d"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named so whose labels include `labels`. */
function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parse(await res.text());
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

const MANIFEST = '/v2/:name/manifests/:reference';

for (const dialect of testDialects()) {
  describe(`/metrics (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect, { gc: { graceMinutes: 0 }, jobs: { pollIntervalMs: 50 } });
    });
    after(() => server.close());

    it('counts the requests, bytes and uploads of a push and a pull, by route pattern and never by repository name', async () => {
      const before = await scrape(server.url);
      // Each app counts on its own: nothing another server in this process did shows here.
      assert.equal(value(before, 'berth_http_requests_total', { method: 'PUT', route: MANIFEST }), 0);

      const client = new TestClient(server.url);
      const layer = Buffer.alloc(100_000, 7);
      // The layer goes up chunked, as docker sends it: no Content-Length, counted by the upload.
      const start = await client.request('POST', '/v2/library/metrics-secret-name/blobs/uploads/');
      assert.equal(start.status, 202);
      const location = start.headers.get('location')!;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(layer.subarray(0, 60_000)));
          controller.enqueue(new Uint8Array(layer.subarray(60_000)));
          controller.close();
        },
      });
      const patch = await client.request('PATCH', location, { body: stream, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(patch.status, 202);
      const next = new URL(patch.headers.get('location')!, server.url);
      next.searchParams.set('digest', sha256(layer));
      const put = await client.request('PUT', `${next.pathname}${next.search}`);
      assert.equal(put.status, 201, await put.text());
      const image = await client.pushImage('library/metrics-secret-name', 'v1', layer);
      const pulled = await client.request('GET', '/v2/library/metrics-secret-name/manifests/v1', {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(pulled.status, 200);
      const manifestBytes = (await pulled.arrayBuffer()).byteLength;
      assert.equal((await client.request('GET', `/v2/library/metrics-secret-name/blobs/${image.manifest.layers[0]!.digest}`)).status, 200);

      // A request is counted once its answer is sent, which may be an instant after the client read it.
      const text = await eventually(async () => {
        const scraped = await (await fetch(`${server.url}/metrics`)).text();
        return value(parse(scraped), 'berth_http_requests_total', { method: 'GET', route: '/v2/:name/blobs/:digest' }) > 0 ? scraped : undefined;
      });
      assert.ok(!text.includes('metrics-secret-name'), 'no repository name in any label');
      assert.ok(!text.includes('library'), 'no project name in any label');
      const after = parse(text);
      const moved = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

      assert.equal(moved('berth_http_requests_total', { method: 'PUT', route: MANIFEST, status: '201' }), 1);
      assert.equal(moved('berth_http_requests_total', { method: 'GET', route: MANIFEST, status: '200' }), 1);
      assert.equal(moved('berth_http_request_duration_seconds_count', { method: 'GET', route: MANIFEST, status: '200' }), 1);
      assert.ok(moved('berth_http_request_duration_seconds_sum', { method: 'GET', route: MANIFEST }) > 0);
      assert.equal(moved('berth_http_request_bytes_total', { method: 'PUT', route: MANIFEST }), manifestBytes);
      assert.equal(moved('berth_http_response_bytes_total', { method: 'GET', route: MANIFEST }), manifestBytes);
      assert.equal(moved('berth_http_response_bytes_total', { method: 'GET', route: '/v2/:name/blobs/:digest' }), layer.length);
      // The chunked PATCH, the layer again and the config by monolithic POST.
      assert.equal(moved('berth_upload_sessions_started_total'), 3);
      assert.equal(moved('berth_uploads_completed_total'), 3);
      assert.ok(moved('berth_upload_bytes_total') >= 2 * layer.length);
      assert.equal(value(after, 'berth_uploads_in_flight'), 0);
      assert.equal(value(after, 'berth_upload_sessions_open'), 0);
      assert.ok(value(after, 'berth_storage_used_bytes') >= layer.length);
      // The process's own metrics come along.
      assert.ok(value(after, 'process_cpu_user_seconds_total') > 0);
      assert.ok(value(after, 'nodejs_heap_size_used_bytes') > 0);
      // PostgreSQL's pool (sized 4 by the test dialect); SQLite has none and reports none.
      assert.equal(value(after, 'berth_db_pool_max'), server.database.pool?.().max ?? 0);
    });

    it('counts a garbage collection run, what it deleted, and its task in the job metrics', async () => {
      const client = new TestClient(server.url);
      const layer = Buffer.from('a layer only this image holds');
      const image = await client.pushImage('library/metrics-gc', 'doomed', layer);
      assert.equal((await client.request('DELETE', `/v2/library/metrics-gc/manifests/${image.digest}`)).status, 202);
      const before = await scrape(server.url);

      const res = await api(server.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { delete_untagged: true } } });
      await expectJson(res, 201);
      const id = Number(/(\d+)$/.exec(res.headers.get('location') ?? '')![1]);
      await eventually(async () => {
        const run = await expectJson<{ job_status: string }>(await api(server.url, 'GET', `/system/gc/${id}`), 200);
        return run.job_status === 'Success' ? true : undefined;
      });

      const after = await scrape(server.url);
      const moved = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
      assert.equal(moved('berth_gc_runs_total', { outcome: 'success', dry_run: 'false' }), 1);
      // Its layer (its config is the same as other images' and stays).
      assert.ok(moved('berth_gc_deleted_blobs_total') >= 1);
      assert.ok(moved('berth_gc_freed_bytes_total') >= layer.length);
      assert.equal(moved('berth_job_task_runs_total', { kind: 'gc', outcome: 'success' }), 1);
      assert.equal(moved('berth_job_task_wait_seconds_count', { kind: 'gc' }), 1);
      assert.equal(moved('berth_job_task_duration_seconds_count', { kind: 'gc' }), 1);
      assert.equal(value(after, 'berth_job_queue_depth', { kind: 'gc' }), 0);
    });
  });
}

describe('/metrics access', () => {
  const [dialect] = testDialects();

  it('serves /metrics on metrics.port alone when one is set, and nowhere when metrics are off', async () => {
    const port = await freePort();
    const separate = await startTestServer(dialect!, { metrics: { port } });
    try {
      assert.equal((await fetch(`${separate.url}/metrics`)).status, 404);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^berth_http_requests_total\{/m);
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/v2.0/health`)).status, 404);
    } finally {
      await separate.close();
    }
    const off = await startTestServer(dialect!, { metrics: { enabled: false } });
    try {
      assert.equal((await fetch(`${off.url}/metrics`)).status, 404);
    } finally {
      await off.close();
    }
  });
});
