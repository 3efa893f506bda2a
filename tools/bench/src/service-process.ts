/**
 * A built service run as its own process by a benchmark, and what /proc says
 * about it. `BENCH_SERVICE_NODE_ARGS` adds Node options to the service
 * (`--cpu-prof --cpu-prof-dir=<directory>` to profile it; Node refuses those in
 * NODE_OPTIONS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** This process's environment plus what every benchmarked service needs: info logs, loopback, ports picked by the OS. */
export function serviceEnv(settings: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: 'info', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', OPS_HOST: '127.0.0.1', OPS_PORT: '0', ...settings };
}

/** Starts `main` with `env`; resolves once it logged `startedMessage`. Error and fatal log lines are echoed. */
export function startService(main: string, startedMessage: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const nodeArgs = process.env['BENCH_SERVICE_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes(`"${startedMessage}"`)) resolve(child);
        else if (line.includes('"level":"error"') || line.includes('"level":"fatal"')) console.error(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`${main} exited with ${code} before it started`)));
  });
}

/** Sends SIGTERM and waits for the exit; returns how long the graceful shutdown took, in ms. */
export async function stopService(child: ChildProcess): Promise<number> {
  const stopping = performance.now();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return performance.now() - stopping;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (ticks of 10 ms). */
export function cpuSecondsOf(pid: number): number {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident set (VmHWM) of a process, in MB. */
export function peakRssMbOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? Number.NaN) / 1024;
}
