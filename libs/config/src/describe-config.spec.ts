import { describe, expect, it } from 'vitest';
import { describeConfig, envVar, formatConfigHelp, formatConfigMarkdown, kafkaEnv, serviceAuthEnv, textSchema } from './index.js';

const schema = {
  kafka: kafkaEnv({ clientId: 'trainer' }),
  model: envVar({ name: 'MODEL_NAME', description: 'Model to train.', expected: 'a model name', schema: textSchema }),
  auth: serviceAuthEnv(),
  again: kafkaEnv({ clientId: 'other' }),
};

describe('describeConfig()', () => {
  it('lists each variable once in schema order with its default, the namespace first when a default depends on it', () => {
    const docs = describeConfig(schema);
    expect(docs.map((doc) => doc.name)).toEqual([
      'TRIBUTARY_NAMESPACE',
      'KAFKA_BROKERS',
      'KAFKA_CLIENT_ID',
      'MODEL_NAME',
      'SERVICE_AUTH_TOKEN',
      'TLS_CERT_FILE',
      'TLS_KEY_FILE',
      'TLS_CA_FILE',
      'GRPC_AUTHORIZATION',
      'GRPC_PREDICT_CLIENTS',
      'AUDIT_LOG_FILE',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_PASSWORD_FILE',
      'KAFKA_SASL_MECHANISM',
    ]);
    expect(docs[2]).toEqual({
      name: 'KAFKA_CLIENT_ID',
      description: 'Client id this service shows to Kafka (quotas, broker logs).',
      expected: 'non-blank text',
      default: 'trainer',
      mandatory: false,
      namespaced: 'client-id',
    });
    expect(docs[3]).toMatchObject({ name: 'MODEL_NAME', mandatory: true });
    expect(docs[3]).not.toHaveProperty('default');
  });
});

describe('formatConfigHelp()', () => {
  it('prints one line per variable with defaults and descriptions in aligned columns', () => {
    const lines = formatConfigHelp(schema).split('\n');
    const docs = describeConfig(schema);
    expect(lines).toHaveLength(docs.length);
    expect(lines[1]).toBe('  KAFKA_BROKERS             127.0.0.1:9092  Kafka bootstrap brokers. Expected: host:port[,host:port…].');
    expect(lines[2]).toMatch(/^ {2}KAFKA_CLIENT_ID +trainer +Client id .* In namespace ns: ns\.trainer\./);
    expect(lines[3]).toMatch(/^ {2}MODEL_NAME +\(required\) +Model to train\./);
    expect(lines[4]).toMatch(/^ {2}SERVICE_AUTH_TOKEN +\(unset\) +Shared bearer token/);
    const descriptionColumns = new Set(lines.map((line, index) => line.indexOf(docs[index]?.description ?? '?')));
    expect([...descriptionColumns]).toEqual([lines[1]?.indexOf('Kafka bootstrap brokers.')]);
  });
});

describe('formatConfigMarkdown()', () => {
  it('renders a table with defaults as code', () => {
    const table = formatConfigMarkdown(schema).split('\n');
    expect(table[0]).toBe('| variable | default | description |');
    expect(table[3]).toBe('| `KAFKA_BROKERS` | `127.0.0.1:9092` | Kafka bootstrap brokers. Expected: host:port[,host:port…]. |');
    expect(table[5]).toBe('| `MODEL_NAME` | (required) | Model to train. Expected: a model name. |');
  });
});
