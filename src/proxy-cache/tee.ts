import { PassThrough, type Readable } from 'node:stream';

/**
 * One upstream stream read once, into two: the client's copy and the one being stored. A client
 * that goes away stops receiving but the store goes on; a store that fails is cut off and the
 * client still gets every byte. Backpressure is the slower reader's while both read.
 */
export function tee(source: Readable): { client: PassThrough; store: PassThrough; dropStore(): void } {
  const client = new PassThrough();
  const store = new PassThrough();
  // Each copy is read through pipeline() or the reply, which take its error, also one raised
  // before they were attached (the store's writer awaits the database first). Until then an
  // upstream failure must not be an 'error' nobody listens to, which would end the process.
  client.on('error', () => undefined);
  store.on('error', () => undefined);
  source.on('error', (error) => {
    client.destroy(error);
    store.destroy(error);
  });
  // pipe() unpipes a destination that closes early (a client hanging up).
  source.pipe(client);
  source.pipe(store);
  return {
    client,
    store,
    dropStore() {
      source.unpipe(store);
      store.resume();
      if (source.isPaused()) source.resume();
    },
  };
}
