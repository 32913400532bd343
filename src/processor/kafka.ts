/**
 * The Kafka adapter: the only module that uses kafkajs, so the client can be swapped here alone.
 *
 * It runs the consume-transform-produce loop. An input offset is resolved (and so committed) only
 * after everything produced for it is acknowledged; with exactly-once, outputs and input offsets
 * commit together in one Kafka transaction.
 */
import * as os from 'os';
import { Consumer, EachBatchPayload, Kafka, logLevel, LogEntry, Message, Partitioners, Producer, SASLOptions } from 'kafkajs';
import type { ProcessorConfig } from './config';
import type { Logger } from './logger';
import type { Outcome, SourceRecord } from './transform';

/** What the adapter needs from the rest of the processor. */
export interface BatchHooks {
  /** Transforms one record; must not throw. */
  readonly transform: (record: SourceRecord) => Outcome;
  /** Called once a batch's outputs are acknowledged (and, with exactly-once, committed). */
  readonly onBatchDone: (outcomes: readonly Outcome[], info: { topic: string; partition: number; lag: number; seconds: number }) => void;
  readonly onReadyChange: (ready: boolean) => void;
  /** The consumer stopped for good (an error kafkajs will not retry): the process should exit non-zero. */
  readonly onFatal: (error: Error) => void;
}

export interface KafkaPipeline {
  start(): Promise<void>;
  /** Finishes the current batch, commits, disconnects. */
  stop(): Promise<void>;
}

export function createKafkaPipeline(config: ProcessorConfig, logger: Logger, hooks: BatchHooks): KafkaPipeline {
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ...(config.sasl && { ssl: true, sasl: { ...config.sasl } as SASLOptions }),
    logLevel: logLevel.INFO,
    logCreator: () => ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
      logger[method](message, { component: 'kafkajs', ...fields });
    },
    // keep retrying through broker restarts; the consumer restarts itself after a failed batch
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 12 },
  });
  const exactlyOnce = config.processingGuarantee === 'exactly-once';
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    allowAutoTopicCreation: false,
    readUncommitted: false,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 12, restartOnFailure: async () => true },
  });
  const producer: Producer = kafka.producer({
    // murmur2 like the Java client: a row key lands on the same partition whichever client wrote it
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    // an idempotent producer must not give up, or ordering and exactly-once break; a send during a
    // broker outage waits, the batch stays unresolved, and nothing is lost
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: Number.MAX_SAFE_INTEGER },
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // stable across restarts of this pod, so a restarted process fences its crashed predecessor's transaction
    ...(exactlyOnce && { transactionalId: `${config.groupId}-${os.hostname()}`, transactionTimeout: 60_000 }),
  });
  const admin = kafka.admin();
  let subscribed: string[] = [];
  let refreshTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  consumer.on(consumer.events.GROUP_JOIN, () => hooks.onReadyChange(true));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    hooks.onReadyChange(false);
    logger.error('consumer crashed', { error: payload.error, restart: payload.restart });
    if (!payload.restart && !stopping) hooks.onFatal(payload.error);
  });
  consumer.on(consumer.events.STOP, () => hooks.onReadyChange(false));

  async function sourceTopics(): Promise<string[]> {
    const existing = new Set(await admin.listTopics());
    const wanted = new Set(config.sourceTopics.filter((t) => existing.has(t)));
    if (config.sourceTopicPattern) for (const topic of existing) if (config.sourceTopicPattern.test(topic)) wanted.add(topic);
    for (const topic of config.sourceTopics) if (!existing.has(topic)) logger.warn('source topic does not exist yet; will subscribe when it does', { topic });
    return [...wanted].sort();
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const started = process.hrtime.bigint();
    const outcomes: Outcome[] = [];
    const sink: Message[] = [];
    const deadLetters: Message[] = [];
    for (const message of batch.messages) {
      const record: SourceRecord = { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value };
      const outcome = hooks.transform(record);
      outcomes.push(outcome);
      if (outcome.kind === 'forward') {
        sink.push({ key: outcome.message.key, value: outcome.message.value, headers: { ...outcome.message.headers } });
      } else if (outcome.kind === 'dead-letter') {
        deadLetters.push({
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'cdc-error': outcome.error,
            'cdc-source-topic': batch.topic,
            'cdc-source-partition': String(batch.partition),
            'cdc-source-offset': message.offset,
          },
        });
      }
    }
    const topicMessages = [
      ...(sink.length ? [{ topic: config.sinkTopic, messages: sink }] : []),
      ...(deadLetters.length ? [{ topic: config.dlqTopic, messages: deadLetters }] : []),
    ];
    const last = batch.messages[batch.messages.length - 1].offset;
    if (exactlyOnce) {
      const transaction = await producer.transaction();
      try {
        if (topicMessages.length) await transaction.sendBatch({ topicMessages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: config.groupId,
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch((abortError) => logger.warn('could not abort the transaction', { error: abortError }));
        throw error;
      }
      resolveOffset(last);
    } else {
      if (topicMessages.length) await producer.sendBatch({ topicMessages, acks: -1 });
      resolveOffset(last);
      await commitOffsetsIfNecessary();
    }
    await heartbeat();
    hooks.onBatchDone(outcomes, {
      topic: batch.topic,
      partition: batch.partition,
      lag: Number(batch.offsetLag()),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
  }

  async function run(topics: string[]): Promise<void> {
    subscribed = topics;
    if (topics.length === 0) {
      logger.warn('no source topic exists yet; waiting for one');
      hooks.onReadyChange(true);
      return;
    }
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: !exactlyOnce,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      // one transaction at a time per transactional producer
      partitionsConsumedConcurrently: exactlyOnce ? 1 : 4,
      eachBatch: handleBatch,
    });
    logger.info('consuming', { topics: topics.length, guarantee: config.processingGuarantee });
  }

  /** kafkajs subscribes once: when new matching topics appear, stop, subscribe again and run. */
  async function refresh(): Promise<void> {
    const topics = await sourceTopics();
    if (stopping || topics.join(',') === subscribed.join(',')) return;
    logger.info('source topics changed; subscribing again', { added: topics.filter((t) => !subscribed.includes(t)) });
    if (subscribed.length) await consumer.stop();
    await run(topics);
  }

  /** Creates the final and dead-letter topics with the broker's defaults when they are missing. */
  async function ensureOutputTopics(): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = [config.sinkTopic, config.dlqTopic].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: -1, replicationFactor: -1 })), waitForLeaders: true });
      logger.info('created missing output topics', { topics: missing });
    } catch (error) {
      // e.g. no CREATE permission on a managed Kafka: the producer will report what is really wrong
      logger.warn('could not create the output topics; create them yourself', { topics: missing, error });
    }
  }

  return {
    async start() {
      await admin.connect();
      await ensureOutputTopics();
      await producer.connect();
      await consumer.connect();
      await run(await sourceTopics());
      const schedule = () => {
        refreshTimer = setTimeout(() => {
          refresh().catch((error) => logger.warn('topic refresh failed; will try again', { error })).finally(() => { if (!stopping) schedule(); });
        }, config.topicRefreshMs);
      };
      schedule();
    },
    async stop() {
      stopping = true;
      if (refreshTimer) clearTimeout(refreshTimer);
      // disconnecting the consumer finishes the batch in flight and commits what it resolved
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
