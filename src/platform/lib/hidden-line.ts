/** What a hidden prompt says where it cannot ask, and when the user gives up. */
export interface HiddenLineOptions {
  /** Where the prompt goes: stderr for commands whose stdout is their result. */
  output: NodeJS.WriteStream;
  /** The error when stdin is not a terminal (so there is nobody to ask). */
  noTerminal: () => Error;
  /** The error when the user presses Ctrl-C. */
  cancelled: () => Error;
}

/** Reads one line from the terminal without echoing it: passwords. */
export function readHiddenLine(prompt: string, options: HiddenLineOptions): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return Promise.reject(options.noTerminal());
  return new Promise((resolve, reject) => {
    let line = '';
    options.output.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      options.output.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(options.cancelled());
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    input.on('data', onData);
  });
}
