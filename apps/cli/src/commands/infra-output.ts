import type { InfraEvent, ServiceDownResult, ServiceStatus, ServiceUpResult } from '@tributary/infra';

const nameWidth = 11;

/** Seconds with one decimal: `3.4 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line for an install or start step as it happens, or undefined for events not worth a line. */
export function formatInfraEvent(event: InfraEvent): string | undefined {
  switch (event.kind) {
    case 'install-started':
      return `installing ${event.step}…`;
    case 'install-finished':
      return `installed ${event.step} in ${formatSeconds(event.durationMs)}`;
    case 'crash-detected':
      return `${event.service} had crashed (pid ${event.pid} is gone); restarting it`;
    case 'starting':
      return undefined;
  }
}

/** `kafka       started          127.0.0.1:9092 (controller 9093) in 3.4 s, pid 1234`. */
export function formatUpResult(result: ServiceUpResult): string {
  const head = `${result.service.padEnd(nameWidth)}${result.outcome.replace('-', ' ').padEnd(17)}${result.listen}`;
  return result.outcome === 'already-running' ? `${head}, pid ${result.pid}` : `${head}, ready in ${formatSeconds(result.durationMs)}, pid ${result.pid}`;
}

/** `redis       stopped (pid 99) in 0.1 s`, or what else `down` found. */
export function formatDownResult(result: ServiceDownResult): string {
  const name = result.service.padEnd(nameWidth);
  switch (result.outcome) {
    case 'not-running':
      return `${name}not running`;
    case 'was-crashed':
      return `${name}had crashed (pid ${result.pid} was gone); removed its PID file`;
    case 'stopped':
    case 'killed':
      return `${name}${result.outcome} (pid ${result.pid}) in ${formatSeconds(result.durationMs)}`;
  }
}

/** One line per server for `status`, saying what to do about anything not running. */
export function formatStatus(status: ServiceStatus): string {
  const head = `${status.service.padEnd(nameWidth)}${status.state.padEnd(14)}`;
  const taken = status.portsTaken.length > 0 ? `; taken by something else: ${status.portsTaken.join(', ')}` : '';
  switch (status.state) {
    case 'running':
      return `${head}${status.listen}, pid ${status.pid}`;
    case 'unresponsive':
      return `${head}pid ${status.pid} runs but does not answer on ${status.listen}; see ${status.logFile}`;
    case 'crashed':
      return `${head}pid ${status.pid} is gone; \`tributary infra up\` restarts it; see ${status.logFile}${taken}`;
    case 'stopped':
      return `${head}would listen on ${status.listen}${taken}`;
  }
}
