/**
 * The Kafka adapter: the only module that uses kafkajs (with slot-assigner.ts, which implements kafkajs's
 * assigner interface), so the client can be swapped here alone.
 *
 * It runs the consume-transform-produce loop. An input offset is resolved (and so committed) only
 * after everything produced for it is acknowledged; with exactly-once, outputs and input offsets
 * commit together in one Kafka transaction, on the producer of the input partition's slot
 * (slot-transactions.ts says why that keeps exactly-once through rebalances).
 */
import { ConfigResourceTypes, Consumer, EachBatchPayload, Kafka, KafkaConfig, KafkaJSError, logLevel, LogEntry, PartitionAssigners, Partitioners, Producer, ProducerConfig, SASLOptions } from 'kafkajs';
import type { ProcessorConfig } from './config';
import { deadLetterOf, oversizedStandIn, RawRecord } from './dead-letters';
import type { Logger, LogLevel } from './logger';
import { CoalescingQueue } from './coalescing-queue';
import { chunkRecords, fitsInBatch, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, mergeRequests, MIN_MESSAGE_BYTES, OutgoingRecord, recordBytes, TopicRecords } from './record-batches';
import { slotAssigner } from './slot-assigner';
import { AccessProblem, accessProblem, markAction, processorPrincipal } from './kafka-access-errors';
import { InputPosition, SlotProducer, SlotTransactions } from './slot-transactions';
import { slotOf, slotTransactionalId } from './slots';
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
  /** The broker refused a login or an action for want of an ACL: the problem's message says which and the fix. */
  readonly onAccessProblem: (problem: AccessProblem) => void;
  /** Exactly-once: a slot's producer opened, committed a transaction, or was fenced; must not throw. */
  readonly onTransaction?: (event: TransactionEvent) => void;
}

/**
 * What happened to a slot's transactional producer: `opened` (it fenced the slot's earlier producers and
 * ended their open transaction), `committed` (one transaction), `fenced` (a newer producer of the slot
 * fenced it; its batches run again on a new one).
 */
export interface TransactionEvent {
  readonly kind: 'opened' | 'committed' | 'fenced';
  readonly slot: number;
}

export interface BatchInfo {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
  readonly seconds: number;
  /** Dead letters too large for the DLQ, replaced by a small stand-in. */
  readonly oversizedDeadLetters: number;
  /** Exactly-once: the slot of the batch's input partition. */
  readonly slot?: number;
}

/** The largest record batch the final and the dead-letter topic take. */
interface OutputLimits {
  readonly sink: number;
  readonly dlq: number;
}

/** What a batch sent: the outcomes it wrote (not those a previous owner of its slot committed), and how many dead letters stood in. */
interface Sent {
  readonly outcomes: readonly Outcome[];
  readonly oversizedDeadLetters: number;
}

/**
 * How many batches (one input partition each) kafkajs hands over at once, so that their outputs go out
 * together: a fleet's fetch brings hundreds of small batches. Exactly-once: more than a fetch brings, and
 * each slot commits all of its waiting batches in one transaction. At-least-once: fewer, because kafkajs
 * commits offsets after every batch, of every partition with new ones, and hundreds of such commits at
 * once cost more than they save.
 */
const CONCURRENT_BATCHES = { 'exactly-once': 1024, 'at-least-once': 32 } as const;

/** How often one batch is sent again, with smaller chunks, after the broker said a request was too large. */
const TOO_LARGE_ATTEMPTS = 6;

export interface KafkaPipeline {
  start(): Promise<void>;
  /** Finishes the current batch, commits, disconnects. */
  stop(): Promise<void>;
}

/** The kafkajs client settings of the processor's clients: brokers, TLS, SASL, logging through the processor's logger, retries. */
export function kafkaClientOptions(config: ProcessorConfig, logger: Logger): KafkaConfig {
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    // TLS with Node's CAs, plus a private one from NODE_EXTRA_CA_CERTS
    ...(config.tls && { ssl: true }),
    ...(config.sasl && { sasl: { ...config.sasl } as SASLOptions }),
    logLevel: logLevel.INFO,
    logCreator: () => ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      logger[kafkajsLogLevel(level, message, fields)](message, { component: 'kafkajs', ...fields });
    },
    // keep retrying through broker restarts; the consumer restarts itself after a failed batch
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 12 },
  };
}

export function createKafkaPipeline(config: ProcessorConfig, logger: Logger, hooks: BatchHooks): KafkaPipeline {
  const clientConfig = kafkaClientOptions(config, logger);
  const kafka = new Kafka(clientConfig);
  const exactlyOnce = config.processingGuarantee === 'exactly-once';
  const slots = exactlyOnce ? new SlotTransactions({ slotCount: config.exactlyOnceSlots, openProducer: openSlotProducer, committedOffsets, logger }) : undefined;
  const producerConfig: ProducerConfig = {
    // murmur2 like the Java client: a row key lands on the same partition whichever client wrote it
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    // an idempotent producer must not give up, or ordering and exactly-once break; a send during a
    // broker outage waits, the batch stays unresolved, and nothing is lost
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: Number.MAX_SAFE_INTEGER },
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  };
  const producer: Producer | undefined = exactlyOnce ? undefined : kafka.producer(producerConfig);
  // at-least-once: the outputs of the batches that arrive while a send runs go out together in the next one
  const sends = producer && new CoalescingQueue<readonly TopicRecords[]>(async (batches) => {
    for (const request of fewerRequests(batches.flat())) await producer.send({ ...request, acks: -1 });
  });
  // the slots' producers get a client of their own: kafkajs records offsets sent in a transaction as the
  // group's committed offsets, for the consumers of the same client, before the transaction commits
  const transactionalKafka = exactlyOnce ? new Kafka(clientConfig) : undefined;
  const admin = kafka.admin();
  let limits: OutputLimits = { sink: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, dlq: KAFKA_DEFAULT_MAX_MESSAGE_BYTES };
  let subscribed: string[] = [];
  let refreshTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  /** Source topics listed but not described: said once each. */
  const unseen = new Set<string>();

  let consumer = newConsumer();
  let memberConnected = false;
  /** The start, topic refreshes and recoveries run one at a time, so `stop` can wait for the one running. */
  let lifecycle: Promise<void> = Promise.resolve();
  let recoveryTimer: NodeJS.Timeout | undefined;
  let recoveryDelay = RECOVERY_MS.first;

  /**
   * The group member. kafkajs only ever adds topics to a consumer's subscription, so when one goes away (a
   * removed tenant's topic deleted, or its READ ACL taken away) a new member takes the old one's place.
   */
  function newConsumer(): Consumer {
    const member = kafka.consumer({
      groupId: config.groupId,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 12, restartOnFailure: async () => true },
      // exactly-once: whole slots per member; round robin second, so members of either guarantee can share
      // the group while a deployment switches between them
      partitionAssigners: slots
        ? [slotAssigner({ slotCount: config.exactlyOnceSlots, ownedSlots: () => slots.ownedSlots() }), PartitionAssigners.roundRobin]
        : [PartitionAssigners.roundRobin],
    });
    member.on(member.events.GROUP_JOIN, ({ payload }) => {
      recoveryDelay = RECOVERY_MS.first;
      hooks.onReadyChange(true);
      slots?.assigned(payload.memberAssignment).catch((error) => logger.warn('could not take over the assigned slots', { error }));
    });
    member.on(member.events.CRASH, ({ payload }) => {
      hooks.onReadyChange(false);
      const problem = accessProblem(payload.error, config);
      if (problem) hooks.onAccessProblem(problem);
      else logger.error('consumer crashed', { error: payload.error, restart: payload.restart });
      if (payload.restart || stopping || member !== consumer) return;
      // kafkajs stops for good on a refusal; an ACL granted later, or a topic no longer readable, is not final
      if (problem) recoverLater();
      else hooks.onFatal(payload.error);
    });
    member.on(member.events.STOP, () => hooks.onReadyChange(false));
    return member;
  }

  /** Runs one lifecycle step after the others; none after `stop`. */
  function serially(step: () => Promise<void>): Promise<void> {
    const next = lifecycle.then(() => (stopping ? undefined : step()));
    lifecycle = next.catch(() => undefined);
    return next;
  }

  /** After a refusal: a new member, on the topics it can see now, after a pause that grows while refusals go on. */
  function recoverLater(): void {
    if (recoveryTimer) return;
    const delay = recoveryDelay;
    recoveryDelay = Math.min(recoveryDelay * 2, RECOVERY_MS.max);
    recoveryTimer = setTimeout(() => {
      recoveryTimer = undefined;
      serially(() => refresh({ replaceMember: true })).catch((error) => {
        logger.warn('could not start a new group member; will try again', { error });
        if (!stopping) recoverLater();
      });
    }, delay);
  }

  async function replaceMember(): Promise<void> {
    if (memberConnected) await consumer.disconnect();
    consumer = newConsumer();
    memberConnected = false;
    await consumer.connect();
    memberConnected = true;
  }

  async function sourceTopics(): Promise<string[]> {
    const existing = new Set(await admin.listTopics());
    const wanted = new Set(config.sourceTopics.filter((t) => existing.has(t)));
    if (config.sourceTopicPattern) for (const topic of existing) if (config.sourceTopicPattern.test(topic)) wanted.add(topic);
    for (const topic of config.sourceTopics.filter((t) => !existing.has(t) && !unseen.has(t))) {
      unseen.add(topic);
      logger.warn('source topic not found: it does not exist yet, or the processor may not DESCRIBE it (npm run acls); will subscribe when it can see it', { topic });
    }
    return [...wanted].sort();
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const started = process.hrtime.bigint();
    const raw: RawRecord[] = batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers }));
    const outcomes = raw.map((record) => hooks.transform({ topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, value: record.value }));
    const last = batch.messages[batch.messages.length - 1].offset;
    const done = slots ? await sendInSlot(slots, raw, outcomes) : await sendAtLeastOnce(raw, outcomes);
    // with exactly-once the transaction committed the offset already
    resolveOffset(last);
    // counted before anything that may throw for a rebalance: the outputs are out
    hooks.onBatchDone(done.outcomes, {
      topic: batch.topic,
      partition: batch.partition,
      lag: Number(batch.offsetLag()),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      oversizedDeadLetters: done.oversizedDeadLetters,
      ...(exactlyOnce && { slot: slotOf(batch.topic, batch.partition, config.exactlyOnceSlots) }),
    });
    if (!exactlyOnce) await commitOffsetsIfNecessary();
    await heartbeat();
  }

  async function sendAtLeastOnce(raw: readonly RawRecord[], outcomes: Outcome[]): Promise<Sent> {
    return withShrinkingLimits(async (current) => {
      const output = outputOf(raw, outcomes, current);
      await sends!.add(output.requests).catch((error) => { throw markAction(error, 'produce'); });
      return { outcomes, oversizedDeadLetters: output.oversizedDeadLetters };
    });
  }

  /**
   * Sends a batch's outputs and commits its next offset in its slot's next transaction, skipping the
   * records a previous owner of the slot committed already.
   */
  async function sendInSlot(transactions: SlotTransactions, raw: readonly RawRecord[], outcomes: readonly Outcome[]): Promise<Sent> {
    const { topic, partition } = raw[0];
    const nextOffset = BigInt(raw[raw.length - 1].offset) + 1n;
    return withShrinkingLimits((current) => transactions.commit(topic, partition, (next) => {
      const fresh = raw.flatMap((record, i) => (next === undefined || BigInt(record.offset) >= next ? [i] : []));
      if (fresh.length === 0) return { result: { outcomes: [], oversizedDeadLetters: 0 } };
      const freshOutcomes = fresh.map((i) => outcomes[i]);
      const output = outputOf(fresh.map((i) => raw[i]), freshOutcomes, current);
      return { write: { requests: output.requests, nextOffset }, result: { outcomes: freshOutcomes, oversizedDeadLetters: output.oversizedDeadLetters } };
    }));
  }

  /** Runs `send` with the output limits; when the broker refuses a request as too large, again with smaller ones. */
  async function withShrinkingLimits(send: (current: OutputLimits) => Promise<Sent>): Promise<Sent> {
    for (let attempt = 1; ; attempt++) {
      const current = limits;
      try {
        return await send(current);
      } catch (error) {
        if (!isTooLarge(error) || attempt >= TOO_LARGE_ATTEMPTS) throw error;
        // the topic's limit went down since we asked, or the broker counts differently: ask again, go
        // smaller. Every batch of a refused send or transaction fails the same way: the first halves
        // the limits, the others find them halved already.
        const asked = await askLimits();
        if (limits === current) limits = { sink: smaller(asked.sink, current.sink), dlq: smaller(asked.dlq, current.dlq) };
        logger.warn('the broker refused a produce request as too large; sending the batch again in smaller chunks', { error, limits, attempt });
      }
    }
  }

  /** Opens a slot's transactional producer: fences the slot's earlier producers and ends their open transaction. */
  async function openSlotProducer(slot: number): Promise<SlotProducer> {
    const slotProducer = transactionalKafka!.producer({
      ...producerConfig,
      transactionalId: slotTransactionalId(config.groupId, slot),
      transactionTimeout: 60_000,
      // a transaction that starts while the broker still writes the previous one's markers is refused
      // (CONCURRENT_TRANSACTIONS) for a few milliseconds: retry soon, not after 300
      retry: { ...producerConfig.retry, initialRetryTime: 20 },
    });
    try {
      await slotProducer.connect();
      // kafkajs initializes the transactional id (the fence) at a producer's first transaction: an empty one does it now
      await (await slotProducer.transaction()).abort();
    } catch (error) {
      await slotProducer.disconnect().catch(() => undefined);
      throw error;
    }
    hooks.onTransaction?.({ kind: 'opened', slot });
    return {
      commitTransaction: (requests, inputs) => commitTransaction(slot, slotProducer, requests, inputs),
      close: () => slotProducer.disconnect(),
    };
  }

  async function commitTransaction(slot: number, slotProducer: Producer, requests: readonly TopicRecords[], inputs: readonly InputPosition[]): Promise<void> {
    const transaction = await slotProducer.transaction();
    try {
      for (const request of fewerRequests(requests)) await transaction.send({ ...request, acks: -1 }).catch((error) => { throw markAction(error, 'produce'); });
      await transaction.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [...new Set(inputs.map((i) => i.topic))].map((topic) => ({
          topic,
          partitions: inputs.filter((i) => i.topic === topic).map((i) => ({ partition: i.partition, offset: i.nextOffset.toString() })),
        })),
      }).catch((error) => { throw markAction(error, 'commit'); });
      await transaction.commit();
    } catch (error) {
      // the slot opens a new producer anyway; aborting now frees the final topic's readers sooner
      await transaction.abort().catch(() => undefined);
      if (!isFenced(error)) throw error;
      hooks.onTransaction?.({ kind: 'fenced', slot });
      // another member took the slot (or this one was a zombie): the batches run again on a new producer,
      // which skips what the other committed; kafkajs would call the error final and stop the consumer
      logger.warn('the slot\'s producer was fenced; its batches run again with a new one', { slot, partitions: inputs.map((i) => `${i.topic}:${i.partition}`), error });
      throw new KafkaJSError(error as Error, { retriable: true });
    }
    hooks.onTransaction?.({ kind: 'committed', slot });
  }

  /** Several batches' requests as few as the topics' limits allow. */
  function fewerRequests(requests: readonly TopicRecords[]): TopicRecords[] {
    return mergeRequests(requests, (topic) => (topic === config.dlqTopic ? limits.dlq : limits.sink));
  }

  /** The group's committed offsets of the topics' partitions. */
  async function committedOffsets(topics: readonly string[]): Promise<Array<{ topic: string; partition: number; offset: bigint | undefined }>> {
    // kafkajs asks only for the partitions its cached metadata knows (refreshed every 5 minutes): a partition
    // added to a topic since is left out, and SlotTransactions runs its batches again until it is known
    const fetched = await admin.fetchOffsets({ groupId: config.groupId, topics: [...topics] });
    return fetched.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset: BigInt(offset) >= 0n ? BigInt(offset) : undefined })));
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
      if (accessProblem(error, config)?.kind === 'authentication') throw error;
      logger.warn(`could not read the output topics' max.message.bytes; assuming Kafka's default ${KAFKA_DEFAULT_MAX_MESSAGE_BYTES} (set MAX_MESSAGE_BYTES, `
        + `or allow ${processorPrincipal(config)} DESCRIBE_CONFIGS on ${config.sinkTopic} and ${config.dlqTopic})`, { error });
      return { sink: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, dlq: KAFKA_DEFAULT_MAX_MESSAGE_BYTES };
    }
  }

  async function run(topics: string[]): Promise<void> {
    // a subscription that failed is none: the next refresh tries again
    subscribed = [];
    if (topics.length === 0) {
      logger.warn('no source topic exists yet; waiting for one');
      hooks.onReadyChange(true);
      return;
    }
    // a member whose replacement failed half-way connects here
    if (!memberConnected) {
      await consumer.connect();
      memberConnected = true;
    }
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: !exactlyOnce,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: CONCURRENT_BATCHES[config.processingGuarantee],
      eachBatch: handleBatch,
    });
    subscribed = topics;
    logger.info('consuming', { topics: topics.length, guarantee: config.processingGuarantee });
  }

  /**
   * kafkajs subscribes once: when new matching topics appear, stop, subscribe again and run; when some are
   * gone (deleted, or no longer allowed), or after a refusal stopped the member, a new member takes its place.
   */
  async function refresh(options: { replaceMember?: boolean } = {}): Promise<void> {
    const topics = await sourceTopics();
    if (stopping || (!options.replaceMember && topics.join(',') === subscribed.join(','))) return;
    const removed = subscribed.filter((t) => !topics.includes(t));
    if (topics.join(',') !== subscribed.join(',')) {
      logger.info('source topics changed; subscribing again', { added: topics.filter((t) => !subscribed.includes(t)), removed });
    }
    if (removed.length > 0 || options.replaceMember) await replaceMember();
    else if (subscribed.length) await consumer.stop();
    if (stopping) return;
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
      if (accessProblem(error, config)?.kind === 'authentication') throw error;
      // e.g. no CREATE permission on a managed Kafka: the producer will report what is really wrong
      logger.warn('could not create the output topics; create them yourself, or allow the processor CREATE on them (npm run acls)', { topics: missing, error });
    }
  }

  return {
    start: () => serially(async () => {
      await admin.connect();
      await ensureOutputTopics();
      limits = await askLimits();
      logger.info('output limits', { sinkMaxMessageBytes: limits.sink, dlqMaxMessageBytes: limits.dlq });
      await producer?.connect();
      await consumer.connect();
      memberConnected = true;
      await run(await sourceTopics());
      const schedule = () => {
        refreshTimer = setTimeout(() => {
          serially(() => refresh()).catch((error) => logger.warn('topic refresh failed; will try again', { error }))
            .finally(() => { if (!stopping) schedule(); });
        }, config.topicRefreshMs);
      };
      if (!stopping) schedule();
    }),
    async stop() {
      stopping = true;
      if (refreshTimer) clearTimeout(refreshTimer);
      if (recoveryTimer) clearTimeout(recoveryTimer);
      // the start, refresh or recovery under way ends first (each does nothing more once stopping is set)
      await lifecycle;
      // disconnecting the consumer finishes the batch in flight and commits what it resolved (a start that
      // failed before it connected has nothing to finish)
      if (memberConnected) await consumer.disconnect();
      await slots?.closeAll();
      await producer?.disconnect();
      await admin.disconnect();
    },
  };
}

/** What kafkajs logs for a refused SASL login (said once instead by kafka-access-errors.ts). */
const SASL_FAILURE = /^SASL \S+ authentication failed|^Response SaslAuthenticate/;

/** The broker's words for a request refused for want of an ACL, in kafkajs's log entries. */
const REFUSED = /Not authorized|authorization failed/i;

/**
 * The broker's words for CONCURRENT_TRANSACTIONS (51): a slot's next transaction asked to add partitions
 * while the broker still wrote the previous one's commit markers. kafkajs retries it (the slot producers'
 * short initialRetryTime is for it), but logs each refused response at error level.
 */
const CONCURRENT_TRANSACTIONS = /another concurrent operation on the same transaction was ongoing/;

/**
 * The level the processor logs a kafkajs entry at: kafkajs's own, except debug for what is not news to the
 * operator. The processor says a refused login or request (kafka-access-errors.ts) and a consumer's crash
 * (the CRASH handler) itself, once and with the fix, where kafkajs says each at error level several times;
 * a response refused with CONCURRENT_TRANSACTIONS is retried and passes in milliseconds (if the retries ran
 * out, the transaction's error would reach the processor's own log).
 */
export function kafkajsLogLevel(level: logLevel, message: string, fields: Record<string, unknown>): LogLevel {
  const error = typeof fields.error === 'string' ? fields.error : '';
  const notNews = SASL_FAILURE.test(message) || message.startsWith('Crash: ') || REFUSED.test(error)
    || (message.startsWith('Response ') && CONCURRENT_TRANSACTIONS.test(error));
  if (notNews) return 'debug';
  return level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
}

/** After a refusal stopped the group member, the pause before a new one tries, doubling up to the last. */
const RECOVERY_MS = { first: 2_000, max: 30_000 };

/**
 * What a producer hears once a newer producer of its transactional id fenced it, or the broker ended its
 * transaction. PRODUCER_FENCED (90) is newer than kafkajs, which reports it as an unknown error code.
 */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'INVALID_TXN_STATE', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTION_COORDINATOR_FENCED', 'OUT_OF_ORDER_SEQUENCE_NUMBER']);

function isFenced(error: unknown): boolean {
  return causedBy(error, (e) => FENCED.has(e.type) || /^Unknown error code 90$/.test(e.message));
}

/** The broker refused a produce request as too large. */
function isTooLarge(error: unknown): boolean {
  return causedBy(error, (e) => e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE');
}

/** Whether the error or one it wraps matches (kafkajs wraps protocol errors in retry errors). */
function causedBy(error: unknown, matches: (e: any) => boolean): boolean {
  for (let e: any = error; e; e = e.cause ?? e.originalError) {
    if (matches(e)) return true;
  }
  return false;
}

/** Half the limit, not below what an ordinary change event needs, and never above what the broker says. */
function smaller(asked: number, current: number): number {
  return Math.min(asked, Math.max(MIN_MESSAGE_BYTES, Math.floor(current / 2)));
}
