/**
 * The Kafka adapter: the only module that uses kafkajs, so the client can be swapped here alone.
 *
 * It runs the consume-transform-produce loop. An input offset is resolved (and so committed) only
 * after everything produced for it is acknowledged; with exactly-once, outputs and input offsets
 * commit together in one Kafka transaction.
 */
import * as os from 'os';
import { ConfigResourceTypes, Consumer, EachBatchPayload, Kafka, logLevel, LogEntry, Partitioners, Producer, SASLOptions, Transaction } from 'kafkajs';
import type { ProcessorConfig } from './config';
import { deadLetterOf, oversizedStandIn, RawRecord } from './dead-letters';
import type { Logger } from './logger';
import { chunkRecords, fitsInBatch, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, OutgoingRecord, recordBytes } from './record-batches';
import type { Outcome, SourceRecord } from './transform';

/** What the adapter needs from the rest of the processor. */
export interface BatchHooks {
  /** Transforms one record; must not throw. */
  readonly transform: (record: SourceRecord) => Outcome;
  /** Called once a batch's outputs are acknowledged (and, with exactly-once, committed). */
  readonly onBatchDone: (outcomes: readonly Outcome[], info: BatchInfo) => void;
  readonly onReadyChange: (ready: boolean) => void;
  /** The consumer stopped for good (an error kafkajs will not retry): the process should exit non-zero. */
  readonly onFatal: (error: Error) => void;
}

export interface BatchInfo {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
  readonly seconds: number;
  /** Dead letters too large for the DLQ, replaced by a small stand-in. */
  readonly oversizedDeadLetters: number;
}

/** The largest record batch the final and the dead-letter topic take. */
interface OutputLimits {
  readonly sink: number;
  readonly dlq: number;
}

/** How often one batch is sent again, with smaller chunks, after the broker said a request was too large. */
const TOO_LARGE_ATTEMPTS = 6;

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
  let limits: OutputLimits = { sink: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, dlq: KAFKA_DEFAULT_MAX_MESSAGE_BYTES };
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
    const raw: RawRecord[] = batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers }));
    for (const record of raw) {
      const source: SourceRecord = { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, value: record.value };
      outcomes.push(hooks.transform(source));
    }
    const last = batch.messages[batch.messages.length - 1].offset;
    let oversizedDeadLetters = 0;
    for (let attempt = 1; ; attempt++) {
      const output = outputOf(raw, outcomes, limits);
      oversizedDeadLetters = output.oversizedDeadLetters;
      try {
        await send(output.requests, { topic: batch.topic, partition: batch.partition, last });
        break;
      } catch (error) {
        if (!isTooLarge(error) || attempt >= TOO_LARGE_ATTEMPTS) throw error;
        // the topic's limit went down since we asked, or the broker counts differently: ask again, go smaller
        const asked = await askLimits();
        limits = { sink: Math.min(asked.sink, Math.floor(limits.sink / 2)), dlq: Math.min(asked.dlq, Math.floor(limits.dlq / 2)) };
        logger.warn('the broker refused a produce request as too large; sending the batch again in smaller chunks', { error, limits, attempt });
      }
    }
    // with exactly-once the transaction committed the offset already
    resolveOffset(last);
    if (!exactlyOnce) await commitOffsetsIfNecessary();
    await heartbeat();
    hooks.onBatchDone(outcomes, {
      topic: batch.topic,
      partition: batch.partition,
      lag: Number(batch.offsetLag()),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      oversizedDeadLetters,
    });
  }

  /**
   * What one batch's outcomes produce, as requests that fit the topics' limits. An event too large for the
   * final topic becomes a dead letter (its outcome says so); a dead letter too large for the DLQ, a stand-in.
   */
  function outputOf(raw: readonly RawRecord[], outcomes: Outcome[], current: OutputLimits) {
    const sink: OutgoingRecord[] = [];
    const deadLetters: OutgoingRecord[] = [];
    let oversizedDeadLetters = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.kind === 'forward') {
        const event: OutgoingRecord = { key: outcome.message.key, value: outcome.message.value, headers: { ...outcome.message.headers } };
        if (fitsInBatch(event, current.sink)) {
          sink.push(event);
          return;
        }
        outcomes[i] = outcome = { kind: 'dead-letter', error: `the output event has ${recordBytes(event)} bytes, more than the final topic ${config.sinkTopic} takes (max.message.bytes ${current.sink})` };
      }
      if (outcome.kind === 'dead-letter') {
        const letter = deadLetterOf(raw[i], outcome.error);
        if (fitsInBatch(letter, current.dlq)) {
          deadLetters.push(letter);
        } else {
          deadLetters.push(oversizedStandIn(raw[i], outcome.error, current.dlq));
          oversizedDeadLetters++;
        }
      }
    });
    const requests = [
      ...chunkRecords(sink, current.sink).map((messages) => ({ topic: config.sinkTopic, messages })),
      ...chunkRecords(deadLetters, current.dlq).map((messages) => ({ topic: config.dlqTopic, messages })),
    ];
    return { requests, oversizedDeadLetters };
  }

  /** Sends the requests in order; with exactly-once, in one transaction that also commits the input offset. */
  async function send(requests: ReadonlyArray<{ topic: string; messages: OutgoingRecord[] }>, input: { topic: string; partition: number; last: string }): Promise<void> {
    if (!exactlyOnce) {
      for (const request of requests) await producer.send({ ...request, messages: request.messages, acks: -1 });
      return;
    }
    const transaction: Transaction = await producer.transaction();
    try {
      for (const request of requests) await transaction.send({ ...request, messages: request.messages, acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [{ topic: input.topic, partitions: [{ partition: input.partition, offset: (BigInt(input.last) + 1n).toString() }] }],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch((abortError) => logger.warn('could not abort the transaction', { error: abortError }));
      throw error;
    }
  }

  /** The final and dead-letter topics' `max.message.bytes`, as configured or as the broker says. */
  async function askLimits(): Promise<OutputLimits> {
    if (config.maxMessageBytes !== undefined) return { sink: config.maxMessageBytes, dlq: config.maxMessageBytes };
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [config.sinkTopic, config.dlqTopic].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
      });
      const limitOf = (topic: string) => {
        const entry = described.resources.find((r) => r.resourceName === topic)?.configEntries.find((e) => e.configName === 'max.message.bytes');
        const value = Number(entry?.configValue);
        return Number.isInteger(value) && value > 0 ? value : KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
      };
      return { sink: limitOf(config.sinkTopic), dlq: limitOf(config.dlqTopic) };
    } catch (error) {
      logger.warn(`could not read the output topics' max.message.bytes; assuming Kafka's default ${KAFKA_DEFAULT_MAX_MESSAGE_BYTES} (set MAX_MESSAGE_BYTES)`, { error });
      return { sink: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, dlq: KAFKA_DEFAULT_MAX_MESSAGE_BYTES };
    }
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
      limits = await askLimits();
      logger.info('output limits', { sinkMaxMessageBytes: limits.sink, dlqMaxMessageBytes: limits.dlq });
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

/** The broker refused a produce request as too large (kafkajs wraps the protocol error in retry errors). */
function isTooLarge(error: unknown): boolean {
  for (let e: any = error; e; e = e.cause ?? e.originalError) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}
