import { PassThrough } from 'node:stream';
import { kafkaEnv, opsServerEnv } from '@tributary/config';
import { createLogger } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { loadConfigOrExit } from './index.js';

const schema = { kafka: kafkaEnv({ clientId: 'spec' }), ops: opsServerEnv() };

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
const exit = (code: number): never => {
  throw new Exit(code);
};

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('loadConfigOrExit()', () => {
  it('returns the typed config when the environment is valid', () => {
    const config = loadConfigOrExit(schema, { service: 'spec', argv: [], env: { OPS_PORT: '0' }, exit });
    expect(config).toEqual({ kafka: { brokers: ['127.0.0.1:9092'], clientId: 'spec' }, ops: { host: '0.0.0.0', port: 0 } });
  });

  it('prints the documented variables and exits 0 on --help', () => {
    const output = capture();
    expect(() => loadConfigOrExit(schema, { service: 'spec', summary: 'a test service', argv: ['node', 'main.js', '--help'], env: {}, exit, output: output.stream })).toThrow(
      new Exit(0),
    );
    // The namespace comes first: the client id's default depends on it.
    expect(output.text()).toMatch(/^spec — a test service\n\nEnvironment:\n {2}TRIBUTARY_NAMESPACE .*\n {2}KAFKA_BROKERS /);
    expect(output.text()).toContain('OPS_PORT');
  });

  it('logs every problem and exits 2 when the environment is invalid', async () => {
    const log = capture();
    const logger = createLogger({ name: 'spec', destination: log.stream });
    expect(() => loadConfigOrExit(schema, { service: 'spec', argv: [], env: { KAFKA_BROKERS: 'x', OPS_PORT: 'http' }, exit, logger })).toThrow(new Exit(2));
    await new Promise((resolve) => setImmediate(resolve));
    const line = JSON.parse(log.text()) as { level: string; msg: string; problems: { variable: string }[] };
    expect(line.level).toBe('fatal');
    expect(line.problems.map((problem) => problem.variable)).toEqual(['KAFKA_BROKERS', 'OPS_PORT']);
    expect(line.msg).toContain('KAFKA_BROKERS: expected host:port[,host:port…], got "x"');
  });
});
