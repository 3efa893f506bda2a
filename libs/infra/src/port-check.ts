import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loopbackHost } from './infra-config.js';

/** Whether a server could bind `port` on the loopback address right now. */
export function isPortFree(port: number, host = loopbackHost): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port the system has just handed out on the loopback address, for a server a
 * test starts: free now, though another process may take it before it is bound.
 */
export function freePort(host = loopbackHost): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Socket inodes listening on `port`, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Who listens on `port`, e.g. "pid 6100 redis-server", best effort from
 * /proc; undefined when it cannot be seen (another user's process, no /proc).
 */
export async function describePortHolder(port: number): Promise<string | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (inodes.has(target.slice('socket:['.length, -1)) && target.startsWith('socket:[')) {
        const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
        return `pid ${pid}${name ? ` ${name}` : ''}`;
      }
    }
  }
  return undefined;
}
