import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sha256, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import type { FileWriter, StorageDriver } from '../storage/index.js';
import { ForwardingStorage } from '../../testing/forwarding-storage.js';

/** A raw connection that records what the server sends and when it closes the connection. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves with the milliseconds from connecting to the server closing the connection. */
  closed: Promise<number>;
  isClosed(): boolean;
}

async function openConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const opened = Date.now();
  let data = '';
  let done = false;
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  // A reset is the server closing too; writes after it fail quietly.
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      done = true;
      resolve(Date.now() - opened);
    }),
  );
  return { socket, received: () => data, closed, isClosed: () => done };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the close time, or undefined when the connection is still open after `ms`. */
function closedWithin(connection: RawConnection, ms: number): Promise<number | undefined> {
  return Promise.race([connection.closed, sleep(ms).then(() => undefined)]);
}

/** Writes `data` piece by piece, one piece every `everyMs`, until it is sent or the server closed the connection. */
async function trickle(connection: RawConnection, data: Buffer, pieceBytes: number, everyMs: number): Promise<void> {
  for (let offset = 0; offset < data.length && !connection.isClosed(); offset += pieceBytes) {
    connection.socket.write(data.subarray(offset, offset + pieceBytes));
    await sleep(everyMs);
  }
}

function statusOf(response: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return match ? Number(match[1]) : undefined;
}

// These guard the connection, not the database: one dialect is enough.
const dialect = testDialects()[0]!;

describe('slow clients', () => {
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    server = await startTestServer(dialect, {
      server: { headersTimeoutSeconds: 1, idleTimeoutSeconds: 3, bodyRateWindowSeconds: 2, minBodyBytesPerSecond: 1024 },
    });
    client = new TestClient(server.url);
  });
  after(() => server.close());

  async function requestHead(method: string, path: string, headers: Record<string, string | number>): Promise<string> {
    const token = await client.token(`repository:${path.split('/').slice(2, 4).join('/')}:pull,push`);
    const lines = Object.entries({ host: new URL(server.url).host, authorization: `Bearer ${token}`, ...headers }).map(([name, value]) => `${name}: ${value}`);
    return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
  }

  it('headers sent a byte at a time are cut off after the headers timeout', async () => {
    const connection = await openConnection(server.url);
    const head = Buffer.from(`GET /livez HTTP/1.1\r\nHost: x\r\n${'X-Padding: y\r\n'.repeat(20)}\r\n`);
    void trickle(connection, head, 1, 100);
    const closedAfter = await closedWithin(connection, 5000);
    connection.socket.destroy();
    assert.ok(closedAfter !== undefined, 'the connection was still open after 5 s');
    assert.ok(closedAfter < 4500, `closed after ${closedAfter} ms`);
    assert.equal(statusOf(connection.received()), 408);
  });

  it('a keep-alive connection left idle is closed after the idle timeout', async () => {
    const connection = await openConnection(server.url);
    connection.socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    const closedAfter = await closedWithin(connection, 6000);
    connection.socket.destroy();
    assert.equal(statusOf(connection.received()), 200);
    assert.ok(closedAfter !== undefined, 'the idle connection was still open after 6 s');
    assert.ok(closedAfter >= 2500, `closed after ${closedAfter} ms, before the idle timeout`);
  });

  it('a body trickled a byte a second is cut with a 408 after the rate window, and its upload can be resumed', async () => {
    const data = randomBytes(4096);
    const location = await client.startUpload('library/trickle');
    const connection = await openConnection(server.url);
    connection.socket.write(await requestHead('PATCH', location, { 'content-type': 'application/octet-stream', 'content-length': data.length }));
    void trickle(connection, data, 1, 1000);
    // Cut after the 2-second window, give or take the once-a-second check and a loaded machine.
    const closedAfter = await closedWithin(connection, 8000);
    connection.socket.destroy();
    assert.ok(closedAfter !== undefined, 'the trickling connection was still open after 8 s');
    assert.equal(statusOf(connection.received()), 408);
    assert.match(connection.received(), /connection: close/i);

    // The cut request let its upload go: resume from the offset the server gives, then close it.
    // As clients do, a 416 (the cut write settled after the offset was read) means: ask again.
    const statuses: number[] = [];
    await eventually(async () => {
      const status = await client.request('GET', location);
      if (status.status !== 204) return undefined;
      const range = status.headers.get('range')!;
      // `0-0` stands for both nothing and one byte stored; a wrong guess is a 416, never a corrupt blob.
      for (const offset of range === '0-0' ? [1, 0] : [Number(range.split('-')[1]) + 1]) {
        const rest = await client.request('PATCH', location, {
          body: new Uint8Array(data.subarray(offset)),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${data.length - 1}` },
        });
        await rest.arrayBuffer();
        statuses.push(rest.status);
        if (rest.status === 202) return true;
      }
      return undefined;
    }, 8000);
    assert.equal(statuses.at(-1), 202, `resuming answered ${statuses.join(', ')}`);
    const done = await client.request('PUT', `${location}?digest=${sha256(data)}`);
    assert.equal(done.status, 201, await done.text());
  });

  it('a slow but steady upload above the minimum rate survives three windows and is stored whole', async () => {
    // 2048 bytes a second against a minimum of 1024 (room for a loaded machine's late timers), for three 2-second windows.
    const data = randomBytes(2048 * 6);
    const location = await client.startUpload('library/steady');
    const connection = await openConnection(server.url);
    connection.socket.write(await requestHead('PATCH', location, { 'content-type': 'application/octet-stream', 'content-length': data.length }));
    await trickle(connection, data, 512, 250);
    const answered = await eventually(async () => (statusOf(connection.received()) !== undefined ? connection.received() : undefined), 5000);
    connection.socket.destroy();
    assert.equal(statusOf(answered), 202, answered);

    const digest = sha256(data);
    const done = await client.request('PUT', `${location}?digest=${digest}`);
    assert.equal(done.status, 201, await done.text());
    const blob = await client.request('GET', `/v2/library/steady/blobs/${digest}`);
    assert.equal(blob.status, 200);
    assert.equal(sha256(new Uint8Array(await blob.arrayBuffer())), digest);
  });

  it('a manifest declaring a gigabyte gets its 413 and the connection closes without the rest being read', async () => {
    const connection = await openConnection(server.url);
    connection.socket.write(
      await requestHead('PUT', '/v2/library/huge/manifests/v1', { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': 1024 ** 3 }),
    );
    connection.socket.write(Buffer.alloc(8 * 1024, 0x20));
    const closedAfter = await closedWithin(connection, 2000);
    connection.socket.destroy();
    assert.equal(statusOf(connection.received()), 413);
    assert.match(connection.received(), /connection: close/i);
    assert.ok(closedAfter !== undefined, 'the server kept the connection open to read the declared gigabyte');
  });

  it('a manifest streamed past the size limit gets its 413 before the connection closes', async () => {
    const connection = await openConnection(server.url);
    connection.socket.write(
      await requestHead('PUT', '/v2/library/huge/manifests/v2', { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'transfer-encoding': 'chunked' }),
    );
    const piece = Buffer.alloc(64 * 1024, 0x20);
    for (let i = 0; i < 80 && !connection.isClosed(); i++) {
      connection.socket.write(`${piece.length.toString(16)}\r\n`);
      connection.socket.write(piece);
      connection.socket.write('\r\n');
      await sleep(5);
    }
    const closedAfter = await closedWithin(connection, 2000);
    connection.socket.destroy();
    assert.equal(statusOf(connection.received()), 413, connection.received() || 'no answer before the connection closed');
    assert.ok(closedAfter !== undefined, 'the server kept reading past the limit');
  });

  it('a request refused before its body arrives closes the connection instead of reading the rest', async () => {
    const connection = await openConnection(server.url);
    connection.socket.write(`PATCH /v2/library/anonymous/blobs/uploads/x HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 ** 3}\r\n\r\n`);
    connection.socket.write(Buffer.alloc(1024));
    const closedAfter = await closedWithin(connection, 2000);
    connection.socket.destroy();
    assert.equal(statusOf(connection.received()), 401);
    assert.ok(closedAfter !== undefined, 'the server kept the connection open to read the declared gigabyte');
  });

  it('a JSON body declared over the body limit gets its 413 and the connection closes', async () => {
    const connection = await openConnection(server.url);
    connection.socket.write(
      `POST /api/v2.0/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 ** 3}\r\n\r\n{"project_name":"`,
    );
    const closedAfter = await closedWithin(connection, 2000);
    connection.socket.destroy();
    assert.equal(statusOf(connection.received()), 413);
    assert.ok(closedAfter !== undefined, 'the server kept the connection open to read the declared gigabyte');
  });
});

describe('connection cap', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(dialect, { server: { maxConnections: 4 } });
  });
  after(() => server.close());

  async function livez(connection: RawConnection): Promise<number | undefined> {
    const before = connection.received().length;
    connection.socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    return eventually(async () => statusOf(connection.received().slice(before)), 3000);
  }

  it('connections beyond the cap are closed at once while those within it keep working, and /livez answers after the flood', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => openConnection(server.url)));
    for (const connection of held) assert.equal(await livez(connection), 200);

    const flood = await Promise.all(Array.from({ length: 20 }, () => openConnection(server.url)));
    for (const connection of flood) connection.socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    const floodClosed = await Promise.all(flood.map((connection) => closedWithin(connection, 2000)));
    assert.ok(
      floodClosed.every((ms) => ms !== undefined),
      'a connection beyond the cap stayed open',
    );
    assert.ok(
      flood.every((connection) => connection.received() === ''),
      'a connection beyond the cap was answered',
    );

    // Those within the cap still work.
    assert.equal(await livez(held[0]!), 200);
    for (const connection of held) connection.socket.destroy();
    await Promise.all(held.map((connection) => connection.closed));

    const res = await eventually(async () => {
      const answer = await fetch(`${server.url}/livez`).catch(() => undefined);
      return answer?.status === 200 ? answer : undefined;
    }, 3000);
    assert.equal(res.status, 200);
  });
});

/** A filesystem whose writers wait `stallMs` before taking any bytes, like a disk that is busy. */
class StallingStorage extends ForwardingStorage {
  constructor(
    inner: StorageDriver,
    private readonly stallMs: number,
  ) {
    super(inner);
  }
  override async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    const inner = await super.writer(path, options);
    const stallMs = this.stallMs;
    return {
      get size() {
        return inner.size;
      },
      async write(source: Readable) {
        await sleep(stallMs);
        return inner.write(source);
      },
      commit: () => inner.commit(),
      truncate: (size: number) => inner.truncate(size),
      close: () => inner.close(),
    };
  }
}

describe('slow storage', () => {
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    server = await startTestServer(dialect, { server: { idleTimeoutSeconds: 2, bodyRateWindowSeconds: 1, minBodyBytesPerSecond: 1024 } }, undefined, {
      storage: (driver) => new StallingStorage(driver, 4000),
    });
    client = new TestClient(server.url);
  });
  after(() => server.close());

  it('an upload the server holds back while storage is busy is not cut as a slow client', async () => {
    // More than the socket buffers take, so the client is blocked while storage stalls.
    const data = randomBytes(16 * 1024 * 1024);
    const digest = sha256(data);
    const res = await client.request('POST', `/v2/library/stalled/blobs/uploads/?digest=${digest}`, {
      body: new Uint8Array(data),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 201, await res.text());
    const blob = await client.request('GET', `/v2/library/stalled/blobs/${digest}`);
    assert.equal(sha256(new Uint8Array(await blob.arrayBuffer())), digest);
  });
});
