import { describe, expect, test } from 'vitest';
import { parseProcessorConfig, ProcessorConfigError } from '../../src/processor/config';
import { ofKind, synthPlatform } from '../support/synth';
import { sampleTenants } from '../support/tenants';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseProcessorConfig(env);
  } catch (error) {
    if (error instanceof ProcessorConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be rejected');
}

const minimal = { KAFKA_BROKERS: 'k1:9092,k2:9092', SOURCE_TOPICS: 'a.b.c', SINK_TOPIC: 'cdc.events' };

describe('parseProcessorConfig', () => {
  test('applies contract 2\'s defaults', () => {
    expect(parseProcessorConfig(minimal)).toEqual({
      brokers: ['k1:9092', 'k2:9092'], tls: false, groupId: 'tenant-cdc-processor', clientId: 'tenant-cdc-processor', sourceTopics: ['a.b.c'],
      sinkTopic: 'cdc.events', dlqTopic: 'cdc.events.dlq', tenantRoutes: new Map(), processingGuarantee: 'at-least-once', httpPort: 8080, httpHost: '0.0.0.0', topicRefreshMs: 30000,
      exactlyOnceSlots: 32,
    });
  });

  test('accepts exactly what the EventProcessor construct synthesizes', () => {
    const deployment = ofKind(synthPlatform(sampleTenants()), 'Deployment')[0];
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // the password comes from its Secret at run time; make one up, as Kubernetes would put it there
    env.KAFKA_SASL_PASSWORD = `test-${Math.random().toString(36).slice(2)}`;
    const config = parseProcessorConfig(env);
    expect(config.sasl).toEqual({ mechanism: 'plain', username: 'PROCESSORKEY', password: env.KAFKA_SASL_PASSWORD });
    expect(config.sourceTopicPattern!.test('acme.Acme.dbo.Orders')).toBe(true);
    expect(config.sinkTopic).toBe('cdc.events');
  });

  test('reads routes, a pattern and exactly-once', () => {
    const config = parseProcessorConfig({ ...minimal, SOURCE_TOPICS: '', SOURCE_TOPIC_PATTERN: '^acme\\..*$', TENANT_ROUTES: '{"shared":"eu","shared/Acme":"acme"}', PROCESSING_GUARANTEE: 'exactly-once' });
    expect(config.tenantRoutes).toEqual(new Map([['shared', 'eu'], ['shared/Acme', 'acme']]));
    expect(config.processingGuarantee).toBe('exactly-once');
  });

  test('fails with every problem at once, naming the variable and the fix', () => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', SOURCE_TOPIC_PATTERN: 'acme.*', PROCESSING_GUARANTEE: 'maybe', HTTP_PORT: 'http', TENANT_ROUTES: '[1]' })).toEqual([
      'KAFKA_BROKERS: required; set the Kafka brokers as host:port,host:port',
      'KAFKA_SASL_MECHANISM: "gssapi" is not supported; use plain or scram-sha-512',
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM; set the SASL user name',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM; set it from the Kafka credentials Secret',
      'SOURCE_TOPIC_PATTERN: "acme.*" is not anchored; start it with ^ and end it with $',
      'SINK_TOPIC: required; set the final topic, e.g. cdc.events',
      'TENANT_ROUTES: not a JSON object of "<topic.prefix>[/<database>]": "<tenant>" (not an object)',
      'PROCESSING_GUARANTEE: "maybe" is not supported; use at-least-once or exactly-once',
      'HTTP_PORT: "http" is not a port; use a number from 0 to 65535',
    ]);
  });

  test('reads the declared masks and the salt; refuses masks it cannot apply, naming the fix', () => {
    const config = parseProcessorConfig({ ...minimal, COLUMN_MASKS: '{"crm":{"public.customers":{"hash":["email"],"asterisks":{"phone":4}}}}', MASKING_SALT: 'pepper-0123456789abcdef' });
    expect(config.columnMasks!.apply('crm', 'public.customers', { id: 1, phone: '555' }).row).toEqual({ id: 1, phone: '****' });
    expect(problemsOf({ ...minimal, COLUMN_MASKS: '{"crm":{"public.customers":{"hash":["email"]}}}' })).toEqual([
      'MASKING_SALT: required when COLUMN_MASKS hashes columns (crm public.customers); set it to the tenants file\'s masking.salt',
    ]);
    expect(problemsOf({ ...minimal, COLUMN_MASKS: '{"crm":{"public.customers":{"hash":"email","asterisks":{"phone":0}}}}', MASKING_SALT: 'x' })).toEqual([
      'COLUMN_MASKS: crm public.customers: hash must be a list of column names, got "email"',
      'COLUMN_MASKS: crm public.customers: asterisks.phone must be a whole number of at least 1, got 0',
    ]);
    expect(problemsOf({ ...minimal, COLUMN_MASKS: '[]' })).toEqual([
      'COLUMN_MASKS: not a JSON object of "<topic.prefix>": {"<schema.table>": {"hash": [...], "asterisks": {...}}} (not an object)',
    ]);
  });

  test('fails when it would read nothing or read its own output', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'k:9092', SINK_TOPIC: 'out' })).toEqual([expect.stringMatching(/^SOURCE_TOPICS: set SOURCE_TOPICS and\/or SOURCE_TOPIC_PATTERN/)]);
    expect(problemsOf({ ...minimal, SOURCE_TOPIC_PATTERN: '^cdc\\..*$' })).toEqual([
      'SINK_TOPIC: "cdc.events" is also a source topic; the processor would read its own output',
      'DLQ_TOPIC: "cdc.events.dlq" is also a source topic; the processor would read its own output',
    ]);
  });

  test('takes the output topics\' record batch limit, or leaves it to the broker', () => {
    expect(parseProcessorConfig(minimal).maxMessageBytes).toBeUndefined();
    expect(parseProcessorConfig({ ...minimal, MAX_MESSAGE_BYTES: '8388608' }).maxMessageBytes).toBe(8_388_608);
    expect(problemsOf({ ...minimal, MAX_MESSAGE_BYTES: '1kb' })).toEqual([
      'MAX_MESSAGE_BYTES: "1kb" is not a number of bytes of at least 16384; set the final and dead-letter topics\' max.message.bytes, or unset it to ask the broker',
    ]);
  });

  test('reads the number of exactly-once slots', () => {
    expect(parseProcessorConfig({ ...minimal, EXACTLY_ONCE_SLOTS: '64' }).exactlyOnceSlots).toBe(64);
    for (const bad of ['0', '2.5', 'many', '5000']) {
      expect(problemsOf({ ...minimal, EXACTLY_ONCE_SLOTS: bad })).toEqual([
        `EXACTLY_ONCE_SLOTS: "${bad}" is not a number of slots from 1 to 1024; a few per replica is enough (each slot is one transactional producer)`,
      ]);
    }
  });

  test('fails on brokers that are not host:port', () => {
    expect(problemsOf({ ...minimal, KAFKA_BROKERS: 'kafka' })).toEqual(['KAFKA_BROKERS: "kafka" is not host:port']);
  });

  test('TLS: always with SASL, without it only when KAFKA_TLS is true', () => {
    expect(parseProcessorConfig({ ...minimal, KAFKA_TLS: 'true' }).tls).toBe(true);
    expect(parseProcessorConfig({ ...minimal, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'made-up' }).tls).toBe(true);
    expect(() => parseProcessorConfig({ ...minimal, KAFKA_TLS: 'yes' })).toThrow(/KAFKA_TLS: "yes" is not true or false/);
    expect(() => parseProcessorConfig({ ...minimal, KAFKA_TLS: 'false', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'made-up' }))
      .toThrow(/KAFKA_TLS: false, but KAFKA_SASL_MECHANISM is set and SASL always uses TLS/);
  });
});
