import { randomInt } from 'node:crypto';
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

/** The lowest port of the system's ephemeral range (Linux's default when it cannot be read). */
async function ephemeralRangeStart(): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const low = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > 0 ? low : 32_768;
}

/** Where {@link freePort} draws from: above the ports the platform's servers use by default, below the ephemeral range. */
const PICK_FROM = 20_000;

/**
 * A free port on the loopback address for a server a test starts, drawn at
 * random below the system's ephemeral range: a port that `listen(0)` hands
 * out comes from that range, where every outgoing connection (a Kafka or
 * HTTP client's) also takes its local port, so one of those could take it
 * before the server binds it (EADDRINUSE). Another process may still take
 * the port first; it is free when returned.
 */
export async function freePort(host = loopbackHost): Promise<number> {
  const below = await ephemeralRangeStart();
  if (below - PICK_FROM >= 1_000) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const port = PICK_FROM + randomInt(below - PICK_FROM);
      if (await isPortFree(port, host)) return port;
    }
  }
  return systemPickedPort(host);
}

/** `count` distinct free ports from {@link freePort}, for the servers of one stack. */
export async function freePorts(count: number, host = loopbackHost): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/** A port the system hands out for `listen(0)`, from its ephemeral range. */
function systemPickedPort(host: string): Promise<number> {
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
