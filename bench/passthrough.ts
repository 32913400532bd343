/**
 * The ceiling for `npm run bench:processor`: a bare kafkajs consume-and-produce loop that copies each
 * record unchanged, with the same client settings, batching and offset handling as the processor's
 * at-least-once mode, but no parsing, transform, metrics or logging.
 */
import { Kafka, logLevel, Partitioners, SASLOptions } from 'kafkajs';

async function main(): Promise<void> {
  const env = process.env;
  // the processor's SASL settings (TLS with NODE_EXTRA_CA_CERTS), so both pay for the same security
  const sasl = env.KAFKA_SASL_MECHANISM ? { ssl: true, sasl: { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME!, password: env.KAFKA_SASL_PASSWORD! } as SASLOptions } : {};
  const kafka = new Kafka({ clientId: 'passthrough', brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING, ...sasl });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: env.KAFKA_GROUP_ID! });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: env.SOURCE_TOPICS!.split(','), fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      if (batch.messages.length === 0) return;
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic: env.SINK_TOPIC!, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) }] });
      resolveOffset(batch.messages[batch.messages.length - 1].offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  process.once('SIGTERM', () => void consumer.disconnect().then(() => producer.disconnect()).then(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
