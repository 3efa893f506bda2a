import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { createKafkaClient } from '@tributary/kafka';
import { startServiceProcess, writeFlightFixtures, type ServiceProcess } from '@tributary/training/testing';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerTrainCommand } from './train.js';

const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const database = `cli_train_${suffix}`;
const registryPrefix = `test:cli-train:${suffix}`;
const MODEL = `cli-train-${suffix.replaceAll('_', '-')}`;
const clickhouse = createClient({ url: process.env['CLICKHOUSE_URL']?.trim() || 'http://127.0.0.1:8123' });

async function train(...args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  try {
    const program = new Command('tributary').exitOverride();
    registerTrainCommand(program);
    process.exitCode = 0;
    await program.parseAsync(['train', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), output: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.exitCode = 0;
  }
}

describe('tributary train --local', () => {
  let registry: ServiceProcess;
  let artifactDirectory: string;

  beforeAll(async () => {
    artifactDirectory = await mkdtemp(join(tmpdir(), 'cli-train-'));
    [registry] = await Promise.all([
      startServiceProcess({
        entry: new URL('../../../registry/src/main.ts', import.meta.url),
        env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', OPS_HOST: '127.0.0.1', OPS_PORT: '0', REGISTRY_KEY_PREFIX: registryPrefix, REGISTRY_ARTIFACT_DIR: artifactDirectory, LOG_LEVEL: 'info' },
        readyMessage: 'registry serving',
      }),
      writeFlightFixtures({ client: clickhouse, database, fromMs: Date.UTC(2001, 1, 5), toMs: Date.UTC(2001, 1, 8), everyNth: 8 }),
    ]);
    process.env['CLICKHOUSE_DATABASE'] = database;
    process.env['REGISTRY_ADDRESS'] = `127.0.0.1:${String(registry.ready['grpcPort'])}`;
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
    const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${registryPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    if (artifactDirectory) await rm(artifactDirectory, { recursive: true, force: true });
  }, 60_000);

  it('trains in-process, registers both models and says the champion awaits approval', async () => {
    const { code, output } = await train(
      '--local', '--model', MODEL, '--from', '2001-02-05', '--to', '2001-02-06T18:00', '--validation-from', '2001-02-06T18:00',
      '--validation-to', '2001-02-07', '--holdout-from', '2001-02-07', '--holdout-to', '2001-02-08', '--param', 'max_rounds=30',
    );
    expect(code).toBe(0);
    expect(output).toMatch(/primary\s+v2 gbdt\s+holdout AUC 0\.\d{4}/);
    expect(output).toMatch(/fallback\s+v1 logistic_regression/);
    expect(output).toMatch(/challenger → new primary, champion unchanged: stays challenger until approved/);
  });

  it('asks the trainer service over training.requested and follows the run to its versions, or to its failure', async () => {
    const topic = `training.requested.${suffix}`;
    const dlqTopic = `events.dlq.${suffix}`;
    const trainer = await startServiceProcess({
      entry: new URL('../../../trainer/src/main.ts', import.meta.url),
      env: {
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: '0',
        OPS_HOST: '127.0.0.1',
        OPS_PORT: '0',
        CLICKHOUSE_DATABASE: database,
        REGISTRY_ADDRESS: process.env['REGISTRY_ADDRESS'] ?? '',
        TRAINER_REQUESTS_TOPIC: topic,
        TRAINER_DLQ_TOPIC: dlqTopic,
        TRAINER_GROUP_ID: `trainer-${suffix}`,
        LOG_LEVEL: 'info',
      },
      readyMessage: 'trainer consuming',
    });
    try {
      const { code, output } = await train(
        '--model', MODEL, '--topic', topic, '--dlq-topic', dlqTopic, '--timeout', '120', '--from', '2001-02-05', '--to', '2001-02-06T18:00',
        '--validation-from', '2001-02-06T18:00', '--validation-to', '2001-02-07', '--holdout-from', '2001-02-07', '--holdout-to', '2001-02-08', '--param', 'max_rounds=30',
      );
      expect(code).toBe(0);
      expect(output).toMatch(/requested training of .* on training\.requested\./);
      expect(output).toMatch(/fallback v3 \(logistic_regression\) registered: holdout AUC 0\.\d{4}/);
      expect(output).toMatch(/primary v4 \(gbdt\) registered/);
      expect(output).toMatch(/challenger → v4/);

      // No flights in these windows: the run fails and the CLI reports the trainer's reason.
      const failed = await train('--model', MODEL, '--topic', topic, '--dlq-topic', dlqTopic, '--timeout', '120', '--from', '2001-03-01', '--to', '2001-03-02');
      expect(failed.code).toBe(1);
      expect(failed.output).toMatch(/✗ training failed: training failed at building-training-set: train split: 0 rows/);
    } finally {
      await trainer.stop();
      const admin = createKafkaClient({ clientId: 'cli-train-spec' }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, dlqTopic] }).finally(() => admin.disconnect());
    }
  }, 180_000);

  it('fails with a clear message on bad input, before doing any work', async () => {
    const { code, output } = await train('--local', '--model', MODEL, '--from', '2001-02-07', '--to', '2001-02-05');
    expect(code).toBe(1);
    expect(output).toMatch(/✗ training_window: .* is empty/);
  });
});
