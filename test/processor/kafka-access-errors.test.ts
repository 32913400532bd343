import { KafkaJSNonRetriableError, KafkaJSProtocolError, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { parseProcessorConfig } from '../../src/processor/config';
import { accessProblem, markAction } from '../../src/processor/kafka-access-errors';

const config = parseProcessorConfig({
  KAFKA_BROKERS: 'b1:9093', SOURCE_TOPICS: 'acme.public.orders', SINK_TOPIC: 'cdc.events', KAFKA_GROUP_ID: 'cdc-processor',
  KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'KEY', KAFKA_SASL_PASSWORD: `made-up-${Date.now()}`, KAFKA_PRINCIPAL: 'User:sa-proc',
});

/** A broker's refusal as kafkajs raises it: a protocol error, wrapped by its retrier when it gives up. */
function refusal(type: string, message = 'Not authorized'): Error {
  const protocol = new KafkaJSProtocolError({ type, message, code: 0, retriable: false } as any);
  // kafkajs's types leave out the cause its retrier passes
  return new (KafkaJSNonRetriableError as any)(protocol, { cause: protocol });
}

describe('what a refusal of the broker means for the processor', () => {
  test('a refused login names the principal, the user, the broker and its answer', () => {
    const login = new (KafkaJSSASLAuthenticationError as any)('SASL PLAIN authentication failed: Authentication failed: Invalid username or password');
    const problem = accessProblem(login, config)!;
    expect(problem.kind).toBe('authentication');
    expect(problem.message).toMatch(/^Kafka at b1:9093 refused the processor's login as User:sa-proc \(SASL PLAIN user KEY\): SASL PLAIN authentication failed: .*Invalid username or password\. Check KAFKA_SASL_USERNAME/);
  });

  test.each([
    ['writing the final topic', markAction(refusal('TOPIC_AUTHORIZATION_FAILED'), 'produce'), 'ALLOW User:sa-proc WRITE, DESCRIBE on topics cdc.events and cdc.events.dlq'],
    ['committing offsets in a transaction', markAction(refusal('TOPIC_AUTHORIZATION_FAILED'), 'commit'), 'ALLOW User:sa-proc READ, DESCRIBE on the source topics (acme.public.orders)'],
    ['fetching a source topic', refusal('TOPIC_AUTHORIZATION_FAILED'), 'ALLOW User:sa-proc READ, DESCRIBE on the source topics (acme.public.orders)'],
    ['joining or committing in its group', refusal('GROUP_AUTHORIZATION_FAILED'), 'ALLOW User:sa-proc READ on group cdc-processor'],
    ['its transactional producers', refusal('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), 'ALLOW User:sa-proc WRITE, DESCRIBE on transactional ids prefixed cdc-processor-slot-'],
    ['an idempotent producer\'s id', refusal('CLUSTER_AUTHORIZATION_FAILED'), 'ALLOW User:sa-proc WRITE, DESCRIBE on topics cdc.events and cdc.events.dlq (which it needs anyway), or IDEMPOTENT_WRITE on the cluster'],
  ])('%s: the ACL to add', (_, error, acl) => {
    const problem = accessProblem(error, config)!;
    expect(problem.kind).toBe('authorization');
    expect(problem.message).toContain(`Add the ACL: ${acl}`);
    expect(problem.message).toContain('npm run acls');
  });

  test('kafkajs\'s "Failed to find group coordinator" is the group\'s READ missing on a Kafka with ACLs', () => {
    const error = Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' });
    expect(accessProblem(error, config)!.message).toContain('Add the ACL: ALLOW User:sa-proc READ on group cdc-processor');
  });

  test('anything else is no refusal', () => {
    expect(accessProblem(refusal('NOT_LEADER_OR_FOLLOWER', 'not the leader'), config)).toBeUndefined();
    expect(accessProblem(new Error('boom'), config)).toBeUndefined();
  });
});
