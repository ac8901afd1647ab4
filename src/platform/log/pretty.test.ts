import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { formatLogLine, prettyDestination } from './pretty.js';

const at = new Date(2025, 0, 2, 14, 3, 7, 412).getTime();

describe('readable log lines for a terminal', () => {
  it('shows a request line as method, path, status, size and time, then who asked', () => {
    const line = JSON.stringify({
      level: 30,
      time: at,
      pid: 7,
      hostname: 'box',
      service: 'berth',
      request_id: 'r-1',
      user: 'admin',
      method: 'GET',
      url: '/v2/library/app/manifests/1.0',
      client: '10.0.0.7',
      user_agent: 'skopeo/1.9.3',
      status: 200,
      bytes: 1432,
      ms: 12,
      msg: 'request',
    });
    assert.equal(
      formatLogLine(line),
      '14:03:07.412 INFO  GET /v2/library/app/manifests/1.0 200 1.4 kB 12 ms  request_id=r-1 user=admin client=10.0.0.7 user_agent=skopeo/1.9.3\n',
    );
  });

  it('quotes values with spaces, names the level, and puts an error stack below the line', () => {
    const line = JSON.stringify({
      level: 50,
      time: at,
      msg: 'task failed',
      user_agent: 'curl/8 (x)',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here' },
    });
    assert.equal(formatLogLine(line), '14:03:07.412 ERROR task failed  user_agent="curl/8 (x)"\n    Error: boom\n        at here\n');
  });

  it('colours the level only when asked, and passes a line that is not JSON through', () => {
    assert.equal(formatLogLine(JSON.stringify({ level: 40, time: at, msg: 'low disk' }), { colour: true }), '14:03:07.412 \x1b[33mWARN \x1b[0m low disk\n');
    assert.equal(formatLogLine('plain text'), 'plain text\n');
  });

  it('takes pino output as a destination, one readable line per record', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const logger = pino({ base: { service: 'berth' } }, prettyDestination(out));
    logger.info({ status: 201 }, 'pushed');
    logger.warn('careful');
    await new Promise((resolve) => setImmediate(resolve));
    const lines = chunks.join('').split('\n');
    assert.match(lines[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} INFO {2}pushed {2}status=201$/);
    assert.match(lines[1] ?? '', /^\d\d:\d\d:\d\d\.\d{3} WARN {2}careful$/);
  });
});
