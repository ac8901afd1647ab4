import { CommandError } from './errors.js';

/** Reads one line from the terminal without echoing it; the prompt goes to stderr so stdout stays clean. */
function readHiddenLine(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return Promise.reject(new CommandError('no terminal to ask for the key password on: set COSIGN_PASSWORD'));
  return new Promise((resolve, reject) => {
    let line = '';
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new CommandError('cancelled'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    input.on('data', onData);
  });
}

/** The key password as cosign takes it: COSIGN_PASSWORD when set (even empty), else asked on the terminal. */
export async function keyPassword(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD;
  return readHiddenLine('Enter password for private key: ');
}

/** A new key password: COSIGN_PASSWORD, or asked twice on the terminal. */
export async function newKeyPassword(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD;
  const first = await readHiddenLine('Enter password for private key: ');
  const second = await readHiddenLine('Enter password for private key again: ');
  if (first !== second) throw new CommandError('the passwords do not match');
  return first;
}
