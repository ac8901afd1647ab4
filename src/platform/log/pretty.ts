/**
 * One pino JSON line as a person reads it on a terminal:
 *
 *   14:03:07.412 INFO  GET /v2/library/app/manifests/1.0 200 1.4 kB 12 ms  user=admin client=10.0.0.7 user_agent="skopeo/1.9.3" request_id=…
 *   14:03:09.001 WARN  free space is low  free_bytes=1048576
 *
 * Small on purpose (no dependency): time, level, message, then the remaining fields as
 * key=value; an error's stack on the lines below.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<string, string> = { TRACE: '90', DEBUG: '36', INFO: '32', WARN: '33', ERROR: '31', FATAL: '35' };
/** Fields every line has, shown in the prefix or not at all. */
const PLUMBING = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'v']);
/** Fields of a request line that its summary already shows. */
const REQUEST_SUMMARY = new Set(['method', 'url', 'status', 'bytes', 'ms']);

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clock(time: unknown): string {
  const date = new Date(typeof time === 'number' ? time : Date.now());
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A value as it can be read back: bare when it has no space or quote, JSON otherwise. */
function show(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function message(record: Fields): { text: string; shown: Set<string> } {
  const msg = typeof record.msg === 'string' ? record.msg : '';
  if (msg === 'request' && typeof record.method === 'string' && typeof record.url === 'string') {
    const bytes = typeof record.bytes === 'number' ? ` ${size(record.bytes)}` : '';
    const ms = typeof record.ms === 'number' ? ` ${record.ms} ms` : '';
    return { text: `${record.method} ${record.url} ${show(record.status)}${bytes}${ms}`, shown: REQUEST_SUMMARY };
  }
  return { text: msg, shown: new Set() };
}

/** Formats one JSON log line; a line that is not JSON is passed through as it is. */
export function formatLogLine(line: string, options: { colour?: boolean } = {}): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (!isFields(record)) return `${line.trimEnd()}\n`;
  const level = LEVELS[typeof record.level === 'number' ? record.level : 30] ?? 'INFO';
  const label = level.padEnd(5);
  const { text, shown } = message(record);
  const stacks: string[] = [];
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (PLUMBING.has(key) || shown.has(key) || value === undefined) continue;
    if (isFields(value) && typeof value.stack === 'string') {
      stacks.push(value.stack);
      continue;
    }
    pairs.push(`${key}=${show(value)}`);
  }
  const colour = options.colour ? COLOURS[level] : undefined;
  const head = `${clock(record.time)} ${colour ? `\x1b[${colour}m${label}\x1b[0m` : label} ${text}`;
  const tail = pairs.length ? `  ${pairs.join(' ')}` : '';
  const below = stacks.map((stack) => `\n${stack.replace(/^/gm, '    ')}`).join('');
  return `${head}${tail}${below}\n`;
}

/** A pino destination that writes readable lines to a terminal. */
export function prettyDestination(out: NodeJS.WritableStream, options: { colour?: boolean } = {}): { write(line: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(formatLogLine(line, options));
    },
  };
}
