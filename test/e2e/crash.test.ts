/**
 * Crash safety: concurrent pushes over HTTP, SIGKILL of the server while uploads are in
 * flight, restart on the same data dir. Whatever the server acknowledged (201) before dying
 * must be there afterwards, byte for byte; an upload it never finished must not be.
 *
 * The client is written out by hand (node:http, no keep-alive, so no socket outlives the
 * killed server) and follows the registry's auth challenge, as docker/podman do.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, sha256, sleep } from './harness.js';

const REPO = 'library/crash';
const IMAGES = 24; // pushed by WORKERS at a time; the kill comes after KILL_AFTER of them
const WORKERS = 4;
const KILL_AFTER = 6;
const MiB = 1024 * 1024;

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(url: URL, method: string, headers: Record<string, string>, body?: Buffer): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'content-length': String(body?.length ?? 0) }, agent: false });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
    const fail = (err: Error): void => reject(new Error(`${method} ${url.pathname}${url.search}: ${err.message}`));
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.end(body);
  });
}

const describeResponse = (what: string, res: Response): string =>
  `${what} → ${res.status} ${JSON.stringify(res.headers)} ${res.body.toString('utf8').slice(0, 500)}`;

/** A registry client for one repository: challenge → credentials, then the blob/manifest API. */
class RegistryClient {
  /** The Authorization header value that login() obtained. */
  authorization = '';

  constructor(private readonly base: string) {}

  /** GET /v2/, then a Bearer token from the realm it names (or Basic, for distribution). */
  async login(): Promise<void> {
    const basic = `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`;
    const ping = await request(new URL('/v2/', this.base), 'GET', {});
    assert.equal(ping.status, 401, describeResponse('GET /v2/', ping));
    const challenge = String(ping.headers['www-authenticate'] ?? '');
    if (/^Basic /i.test(challenge)) {
      this.authorization = basic;
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    assert.match(challenge, /^Bearer /i, `unexpected challenge: ${challenge}`);
    const realm = new URL(params.realm ?? '');
    realm.searchParams.set('service', params.service ?? '');
    realm.searchParams.set('scope', `repository:${REPO}:pull,push`);
    const res = await request(realm, 'GET', { authorization: basic });
    assert.equal(res.status, 200, describeResponse(`GET ${realm.pathname}${realm.search}`, res));
    const { token } = JSON.parse(res.body.toString('utf8')) as { token: string };
    this.authorization = `Bearer ${token}`;
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  send(url: URL, method: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> {
    return request(url, method, { authorization: this.authorization, ...headers }, body);
  }

  /** POST /blobs/uploads/ → the upload's URL. */
  async startUpload(): Promise<URL> {
    const res = await this.send(this.url(`/v2/${REPO}/blobs/uploads/`), 'POST');
    assert.equal(res.status, 202, describeResponse('POST uploads', res));
    return this.url(String(res.headers.location));
  }

  /** PATCH one chunk; returns the URL to continue with. */
  async patch(upload: URL, chunk: Buffer, offset: number): Promise<URL> {
    const res = await this.send(upload, 'PATCH', chunk, {
      'content-type': 'application/octet-stream',
      'content-range': `${offset}-${offset + chunk.length - 1}`,
    });
    assert.equal(res.status, 202, describeResponse('PATCH upload', res));
    return this.url(String(res.headers.location));
  }

  /** The closing PUT ?digest=; throws unless the registry acknowledges it with a 201. */
  async finish(upload: URL, digest: string, body?: Buffer): Promise<void> {
    const url = new URL(upload);
    url.searchParams.set('digest', digest);
    const res = await this.send(url, 'PUT', body, { 'content-type': 'application/octet-stream' });
    assert.equal(res.status, 201, describeResponse('PUT upload', res));
    assert.equal(res.headers['docker-content-digest'], digest);
  }

  blob(digest: string, method: 'GET' | 'HEAD'): Promise<Response> {
    return this.send(this.url(`/v2/${REPO}/blobs/${digest}`), method);
  }

  manifest(reference: string): Promise<Response> {
    return this.send(this.url(`/v2/${REPO}/manifests/${reference}`), 'GET', undefined, {
      accept: 'application/vnd.oci.image.manifest.v1+json',
    });
  }
}

const digestOf = (data: Buffer): string => `sha256:${sha256(data)}`;

describe('crash: SIGKILL during concurrent uploads', { timeout: 150_000 }, () => {
  let server: RegistryServer;
  let client: RegistryClient;
  const ackedBlobs = new Map<string, number>(); // digest → size, after a 201
  const ackedManifests = new Map<string, Buffer>(); // tag → bytes, after a 201
  const attempted = new Map<string, number>(); // every blob whose final PUT was sent
  const unfinished: string[] = []; // blobs whose upload never got a complete closing PUT
  let killedAt = 0;

  before(async () => {
    server = await RegistryServer.start();
    client = new RegistryClient(server.url);
    await client.login();
  });

  after(async () => {
    await server?.stop();
  });

  /** Monolithic or chunked (3 PATCHes + empty PUT), chosen per blob. */
  async function pushBlob(data: Buffer, chunked: boolean): Promise<void> {
    const digest = digestOf(data);
    let upload = await client.startUpload();
    if (chunked) {
      const step = Math.ceil(data.length / 3);
      for (let offset = 0; offset < data.length; offset += step) {
        upload = await client.patch(upload, data.subarray(offset, offset + step), offset);
      }
    }
    attempted.set(digest, data.length);
    await client.finish(upload, digest, chunked ? undefined : data);
    ackedBlobs.set(digest, data.length);
  }

  /** A layer, its config, then the manifest tagged img-N. */
  async function pushImage(n: number): Promise<void> {
    const layer = randomBytes(randomInt(1 * MiB, 4 * MiB));
    await pushBlob(layer, n % 3 === 0);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] }, config: { Labels: { n: String(n) } } }),
    );
    await pushBlob(config, false);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
      }),
    );
    const tag = `img-${n}`;
    const res = await client.send(client.url(`/v2/${REPO}/manifests/${tag}`), 'PUT', manifest, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
    });
    assert.equal(res.status, 201, describeResponse(`PUT manifest ${tag}`, res));
    assert.equal(res.headers['docker-content-digest'], digestOf(manifest));
    ackedManifests.set(tag, manifest);
  }

  /**
   * An upload that cannot complete before the kill: the closing PUT announces the whole blob
   * but sends half of it, then waits. `settled` resolves when the server dies (or answers).
   */
  async function hangingUpload(): Promise<{ settled: Promise<unknown> }> {
    const data = randomBytes(2 * MiB);
    const upload = await client.startUpload();
    upload.searchParams.set('digest', digestOf(data));
    unfinished.push(digestOf(data));
    const req = http.request(upload, {
      method: 'PUT',
      agent: false,
      headers: {
        authorization: client.authorization,
        'content-length': String(data.length),
        'content-type': 'application/octet-stream',
      },
    });
    const settled = new Promise((resolve) => {
      req.on('error', resolve);
      req.on('response', (res) => {
        res.on('error', () => undefined).resume();
        resolve(res.statusCode);
      });
    });
    await new Promise<void>((resolve) => req.write(data.subarray(0, MiB), () => resolve()));
    return { settled }; // wrapped: an async function would otherwise wait for it
  }

  /** An upload abandoned after its first PATCH: no closing PUT is ever sent. */
  async function abandonedUpload(): Promise<void> {
    const data = randomBytes(2 * MiB);
    unfinished.push(digestOf(data));
    await client.patch(await client.startUpload(), data.subarray(0, MiB), 0);
  }

  test('uploads acknowledged before a SIGKILL survive it; unfinished ones do not appear', async (t) => {
    await abandonedUpload();
    await abandonedUpload();
    const hanging = [await hangingUpload(), await hangingUpload()];

    // Workers push images until they run out or the server is gone.
    let next = 0;
    const failures: unknown[] = [];
    const worker = async (): Promise<void> => {
      while (next < IMAGES && killedAt === 0) {
        await pushImage(next++).catch((err: unknown) => {
          if (killedAt === 0) failures.push(err); // an error before the kill is a real failure
        });
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);

    // Kill once enough images are in, with the workers still busy with the next ones.
    const deadline = Date.now() + 60_000;
    while (ackedManifests.size < KILL_AFTER && Date.now() < deadline && failures.length === 0) await sleep(5);
    killedAt = Date.now();
    await server.kill();
    await Promise.all(workers);
    const hangingResults = await Promise.all(hanging.map((h) => h.settled));
    assert.deepEqual(failures, [], 'requests failed before the kill');
    assert.ok(ackedManifests.size >= KILL_AFTER, `only ${ackedManifests.size} images pushed in 60 s`);
    // Cut off by the kill (an Error), or refused; never accepted with half its bytes.
    for (const r of hangingResults) {
      assert.ok(r instanceof Error || (typeof r === 'number' && r >= 400), `half-sent upload answered ${String(r)}`);
    }

    const inFlight = [...attempted.keys()].filter((d) => !ackedBlobs.has(d)).length;
    t.diagnostic(
      `at the kill: ${ackedBlobs.size} blobs and ${ackedManifests.size} manifests acknowledged, ` +
        `${inFlight} closing PUTs unanswered, ${unfinished.length} uploads unfinished`,
    );

    await server.restart();
    await client.login();

    for (const [digest, size] of ackedBlobs) {
      const head = await client.blob(digest, 'HEAD');
      assert.equal(head.status, 200, describeResponse(`HEAD acknowledged blob ${digest}`, head));
      assert.equal(Number(head.headers['content-length']), size, `HEAD ${digest}: wrong size`);
      const get = await client.blob(digest, 'GET');
      assert.equal(get.status, 200, describeResponse(`GET acknowledged blob ${digest}`, get));
      assert.equal(digestOf(get.body), digest, `GET ${digest}: ${get.body.length} bytes that hash otherwise`);
    }
    for (const [tag, bytes] of ackedManifests) {
      for (const ref of [tag, digestOf(bytes)]) {
        const res = await client.manifest(ref);
        assert.equal(res.status, 200, describeResponse(`GET acknowledged manifest ${ref}`, res));
        assert.ok(res.body.equals(bytes), `manifest ${ref} came back different`);
      }
    }
    for (const digest of unfinished) {
      const head = await client.blob(digest, 'HEAD');
      assert.equal(head.status, 404, describeResponse(`HEAD unfinished blob ${digest}`, head));
    }
    // Sent in full but cut off before the answer: may or may not exist, but never corrupt.
    for (const [digest, size] of attempted) {
      if (ackedBlobs.has(digest)) continue;
      const get = await client.blob(digest, 'GET');
      if (get.status === 404) continue;
      assert.equal(get.status, 200, describeResponse(`GET in-flight blob ${digest}`, get));
      assert.equal(get.body.length, size);
      assert.equal(digestOf(get.body), digest);
    }
  });

  test('after the restart the registry takes new pushes', async () => {
    assert.ok(killedAt > 0, 'the crash test did not run');
    const data = randomBytes(MiB);
    await pushBlob(data, true);
    const get = await client.blob(digestOf(data), 'GET');
    assert.equal(digestOf(get.body), digestOf(data));
  });
});
