import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { parseProcessorConfig } from '../../src/processor/config';
import { reconcilerAccessProblem } from '../../src/processor/snapshot-kafka';

const config = parseProcessorConfig({
  KAFKA_BROKERS: 'b1:9093', SOURCE_TOPICS: 'acme.public.orders', SINK_TOPIC: 'cdc.events', KAFKA_GROUP_ID: 'cdc-processor',
  KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'KEY', KAFKA_SASL_PASSWORD: `made-up-${Date.now()}`, KAFKA_PRINCIPAL: 'User:sa-proc',
  SNAPSHOT_CONNECTORS: JSON.stringify({ acme: { signals: '__tenant-cdc-signals.c', notifications: '__tenant-cdc-notifications.c', tables: ['public.orders'] } }),
});

function refusal(type: string): Error {
  const protocol = new KafkaJSProtocolError({ type, message: 'Not authorized', code: 0, retriable: false } as any);
  return new (KafkaJSNonRetriableError as any)(protocol, { cause: protocol });
}

describe('a refusal of the snapshot reconciler', () => {
  test('names the reconciler\'s own group, not the pipeline\'s', () => {
    const problem = reconcilerAccessProblem(refusal('GROUP_AUTHORIZATION_FAILED'), config, config.snapshots!)!;
    expect(problem.message).toMatch(/^snapshot reconciler: .*Add the ACL: ALLOW User:sa-proc READ on group cdc-processor-snapshots/);
  });

  test('names the reconciler\'s topics, not the final topic', () => {
    const problem = reconcilerAccessProblem(refusal('TOPIC_AUTHORIZATION_FAILED'), config, config.snapshots!)!;
    expect(problem.kind).toBe('authorization');
    expect(problem.message).toContain('It needs: ALLOW User:sa-proc READ, WRITE, CREATE, DESCRIBE on topics __tenant-cdc-snapshots.cdc-processor, __tenant-cdc-signals.c; '
      + 'READ, CREATE, DESCRIBE on topics __tenant-cdc-notifications.c; READ on group cdc-processor-snapshots');
    expect(problem.message).not.toContain('cdc.events');
  });

  test('anything else is not a refusal', () => {
    expect(reconcilerAccessProblem(new Error('boom'), config, config.snapshots!)).toBeUndefined();
  });
});
