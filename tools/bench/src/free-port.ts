/** A loopback port nobody listens on right now, for a child process to bind. */
import { createServer } from 'node:net';

/** Asks the OS for a free loopback port and releases it at once. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('the OS gave no loopback port');
  return address.port;
}
