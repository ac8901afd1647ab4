import net from 'node:net';

export interface FaultProxy {
  url: string;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Bytes forwarded upstream (client to server) so far, over all connections. */
  readonly forwarded: number;
  /** Bytes passed back downstream (server to client) so far, over all connections. */
  readonly returned: number;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Which way `cutAfter` and `onBytes` count: what clients send (`up`, the default) or what they receive (`down`). */
  direction?: 'up' | 'down';
  /** The first time this many bytes have gone that way (over all connections), that connection is cut. */
  cutAfter?: number;
  /** Called as the count that way grows, with the total: a test acts at a point of a transfer. */
  onBytes?: (total: number) => void;
}

/** A TCP proxy to `target` that counts the bytes each way and can cut a connection part way, as a flaky network does. */
export async function faultProxy(target: URL, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const state = { cuts: 0, up: 0, down: 0 };
  const watched = options.direction ?? 'up';
  const sockets = new Set<net.Socket>();

  /** Passes `from`'s bytes to `to`, counting them as `way`; the watched way may be cut once. */
  const relay = (from: net.Socket, to: net.Socket, way: 'up' | 'down'): void => {
    const count = (bytes: number): void => {
      state[way] += bytes;
      if (way === watched) options.onBytes?.(state[way]);
    };
    from.on('data', (chunk: Buffer) => {
      const { cutAfter } = options;
      if (way === watched && cutAfter !== undefined && state.cuts === 0 && state[way] + chunk.length >= cutAfter) {
        state.cuts++;
        const part = chunk.subarray(0, cutAfter - state[way]);
        count(part.length);
        to.write(part, () => {
          from.destroy();
          to.destroy();
        });
        return;
      }
      count(chunk.length);
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, 'up');
    relay(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get cuts() {
      return state.cuts;
    },
    get forwarded() {
      return state.up;
    },
    get returned() {
      return state.down;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
