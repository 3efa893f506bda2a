import { randomBytes } from 'node:crypto';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient } from '@tributary/kafka';
import { startServiceProcess, writeFlightFixtures } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, startRegistryProcess, type RegistryProcess } from '../testing/cli-run.fixture.js';
import { registerTrainCommand } from './train.js';

const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const database = `cli_train_${suffix}`;
const MODEL = `cli-train-${suffix.replaceAll('_', '-')}`;
const clickhouse = localClickHouse();

const train = (...args: string[]) => runCommand(registerTrainCommand, 'train', ...args);

describe('tributary train --local', () => {
  let registry: RegistryProcess;

  beforeAll(async () => {
    [registry] = await Promise.all([
      startRegistryProcess(`cli-train-${suffix}`),
      writeFlightFixtures({ client: clickhouse, database, fromMs: Date.UTC(2001, 1, 5), toMs: Date.UTC(2001, 1, 8), everyNth: 8 }),
    ]);
    process.env['CLICKHOUSE_DATABASE'] = database;
    process.env['REGISTRY_ADDRESS'] = registry.address;
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
  }, 60_000);

  it('trains in-process, registers both models and says the champion awaits approval', async () => {
    const { code, output } = await train(
      '--local', '--model', MODEL, '--from', '2001-02-05', '--to', '2001-02-06T18:00', '--validation-from', '2001-02-06T18:00',
      '--validation-to', '2001-02-07', '--holdout-from', '2001-02-07', '--holdout-to', '2001-02-08', '--param', 'max_rounds=30',
    );
    expect(code).toBe(0);
    // The better of the pair on the holdout serves; the other is its fallback.
    const primary = /primary\s+v2 (gbdt|logistic_regression)\s+holdout AUC (0\.\d{4})/.exec(output);
    const fallback = /fallback\s+v1 (gbdt|logistic_regression)\s+holdout AUC (0\.\d{4})/.exec(output);
    expect(primary?.[1]).not.toBe(fallback?.[1]);
    expect(Number(primary?.[2])).toBeGreaterThanOrEqual(Number(fallback?.[2]));
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
      const fallback = /fallback v3 \((gbdt|logistic_regression)\) registered: holdout AUC (0\.\d{4})/.exec(output);
      const primary = /primary v4 \((gbdt|logistic_regression)\) registered: holdout AUC (0\.\d{4})/.exec(output);
      expect(primary?.[1]).not.toBe(fallback?.[1]);
      expect(Number(primary?.[2])).toBeGreaterThanOrEqual(Number(fallback?.[2]));
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
