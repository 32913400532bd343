/**
 * The snapshot reconciler's Kafka side (src/snapshots/reconciler.ts decides; this reads and writes). It runs
 * in every processor replica, and one of them leads: a consumer group of its own (`<group>-snapshots`) whose
 * assigner gives every partition of the ledger, signal and notification topics to one member. That member
 * reads them all from the start (the group never commits), and once it has caught up it reconciles every
 * `SNAPSHOT_INTERVAL_MS`: new ledger values and signals are written, and read back like everyone else's.
 * Besides kafka.ts and slot-assigner.ts, the only module that imports kafkajs.
 */
import { createHash } from 'crypto';
import { AssignerProtocol, Consumer, ITopicConfig, Kafka, PartitionAssigner, Producer } from 'kafkajs';
import { DeclaredConnector, notificationOf, reconcile, SentSignal, sentSignalOf, SnapshotNotification } from '../snapshots/reconciler';
import type { ProcessorConfig } from './config';
import { snapshotGroupId } from './env';
import { kafkaClientOptions } from './kafka';
import { AccessProblem, accessProblem, processorPrincipal } from './kafka-access-errors';
import type { Logger } from './logger';
import type { ProcessorMetrics } from './metrics';

export interface SnapshotSettings {
  /** The connectors, their signal and notification topics and declared data collections. */
  readonly connectors: ReadonlyArray<DeclaredConnector & { readonly notificationTopic: string }>;
  /** Compacted, key `topic.prefix`, value `{"collections":[...]}`. */
  readonly ledgerTopic: string;
  readonly intervalMs: number;
  readonly retryAfterMs: number;
}

export interface SnapshotReconcilerHandle {
  stop(): Promise<void>;
}

const ASSIGNER = 'TenantCdcSnapshotLeader';

/**
 * Every partition to one member (the first by id): the leader of the reconciler. Each member says which
 * declared tables it runs with (a hash of its SNAPSHOT_CONNECTORS); while they differ (a rollout, old and new
 * replicas side by side) nobody leads, so that two table lists never take turns writing the ledger.
 */
export const snapshotLeaderAssigner = (declaredHash: string): PartitionAssigner => ({ cluster }) => ({
  name: ASSIGNER,
  version: 0,
  protocol: ({ topics }) => ({ name: ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.from(declaredHash) }) }),
  async assign({ members, topics }) {
    const declared = new Set(members.map((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData.toString() ?? ''));
    const leader = declared.size === 1 ? [...members].map((m) => m.memberId).sort()[0] : undefined;
    const assignment: Record<string, number[]> = {};
    for (const topic of topics) assignment[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId).sort((a, b) => a - b);
    return members.map(({ memberId }) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: memberId === leader ? assignment : {}, userData: Buffer.alloc(0) }),
    }));
  },
});

/**
 * A refusal of the reconciler's clients, said with the ACLs the reconciler needs (the pipeline's own
 * explanations name the processor's group and output topics, which are not what is missing here).
 */
export function reconcilerAccessProblem(error: unknown, config: ProcessorConfig, settings: SnapshotSettings): AccessProblem | undefined {
  const group = snapshotGroupId(config.groupId);
  const problem = accessProblem(error, { ...config, groupId: group });
  if (!problem) return undefined;
  if (problem.kind === 'authentication' || problem.message.includes(`group ${group}`)) return { ...problem, message: `snapshot reconciler: ${problem.message}` };
  const principal = processorPrincipal(config);
  const signals = [...new Set(settings.connectors.map((c) => c.signalTopic))].sort().join(', ');
  const notifications = [...new Set(settings.connectors.map((c) => c.notificationTopic))].sort().join(', ');
  return {
    kind: 'authorization',
    message: `snapshot reconciler: ${problem.message.split('. Add the ACL')[0]}. It needs: ALLOW ${principal} READ, WRITE, CREATE, DESCRIBE on topics `
      + `${settings.ledgerTopic}, ${signals}; READ, CREATE, DESCRIBE on topics ${notifications}; READ on group ${group} (\`npm run acls\` prints them). `
      + 'The events keep flowing; tables added to running connectors wait for their snapshot until then.',
  };
}

export async function startSnapshotReconciler(config: ProcessorConfig, settings: SnapshotSettings, logger: Logger, metrics: ProcessorMetrics,
  tenantOf: (prefix: string, collection: string) => string, onAccessProblem: (problem: AccessProblem) => void,
  onStopped: () => void): Promise<SnapshotReconcilerHandle> {
  const kafka = new Kafka(kafkaClientOptions(config, logger));
  const signalTopics = [...new Set(settings.connectors.map((c) => c.signalTopic))].sort();
  const notificationTopics = [...new Set(settings.connectors.map((c) => c.notificationTopic))].sort();
  const topics = [settings.ledgerTopic, ...signalTopics, ...notificationTopics];
  const admin = kafka.admin();
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const declaredHash = createHash('sha256').update(JSON.stringify(settings.connectors)).digest('hex');
  const consumer: Consumer = kafka.consumer({ groupId: snapshotGroupId(config.groupId), partitionAssigners: [snapshotLeaderAssigner(declaredHash)],
    allowAutoTopicCreation: false });
  const disconnect = async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  };
  try {
    return await run();
  } catch (error) {
    // nothing of a failed start stays connected; the caller tries again
    await disconnect();
    throw error;
  }

  async function run(): Promise<SnapshotReconcilerHandle> {
    await admin.connect();
    // the signal channel reads partition 0 only; the ledger is compacted, it keeps one value per connector
    const wanted: ITopicConfig[] = [
      { topic: settings.ledgerTopic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ...[...signalTopics, ...notificationTopics].map((topic) => ({ topic, numPartitions: 1 })),
    ];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true }).catch((error) => {
        if (!/already exists/i.test(String(error?.message))) throw error;
      });
    }

    let ledger = new Map<string, readonly string[]>();
    let removed = new Map<string, Readonly<Record<string, number>>>();
    let signals = new Map<string, SentSignal>();
    let notifications: SnapshotNotification[] = [];
    /** Per topic:partition, the offset to reach before the state is whole; empty once caught up. */
    let behind = new Map<string, bigint>();
    /** Per topic:partition, the next offset to read. */
    const position = new Map<string, bigint>();
    let leading = false;
    let timer: NodeJS.Timeout | undefined;
    let reconciling = false;
    /** A replica that does not lead reports nothing: the leader's figures are the only ones (no stale alert). */
    const stopReporting = () => {
      metrics.snapshotLeader.set(0);
      metrics.snapshotPending.reset();
    };

    await producer.connect();
    consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
      // nothing is committed, so every join reads everything again from the start: until what is there has been
      // read again, this replica does not lead (a tick on a half-read ledger would take every connector as new)
      leading = false;
      ledger = new Map();
      removed = new Map();
      signals = new Map();
      notifications = [];
      position.clear();
      stopReporting();
      const mine = Object.entries(payload.memberAssignment);
      const assigned = mine.some(([, partitions]) => partitions.length > 0);
      const ends = new Map<string, bigint>();
      if (assigned) {
        for (const [topic] of mine) {
          for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) if (BigInt(high) > BigInt(low)) ends.set(`${topic}:${partition}`, BigInt(high));
        }
      }
      for (const [key, end] of ends) if ((position.get(key) ?? 0n) >= end) ends.delete(key);
      behind = ends;
      leading = assigned;
      metrics.snapshotLeader.set(leading ? 1 : 0);
    });
    // kafkajs retries what it can by itself; a refusal is said with the ACLs to add, anything else logged
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const problem = reconcilerAccessProblem(payload.error, config, settings);
      if (problem) onAccessProblem(problem);
      else logger.error('the snapshot reconciler\'s consumer stopped', { error: payload.error, restart: payload.restart });
      leading = false;
      stopReporting();
      // a consumer kafkajs will not restart: everything is closed, and the caller starts the reconciler again
      if (!payload.restart) {
        clearInterval(timer);
        void disconnect().then(onStopped);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value?.toString() ?? '';
        if (topic === settings.ledgerTopic) {
          const key = message.key?.toString();
          if (key) {
            const entry = value ? JSON.parse(value) : {};
            ledger.set(key, entry.collections ?? []);
            removed.set(key, entry.removedAt ?? {});
          }
        } else if (signalTopics.includes(topic)) {
          const signal = sentSignalOf(message.key?.toString(), value, Number(message.timestamp));
          if (signal && !signals.has(signal.id)) signals.set(signal.id, signal);
        } else {
          const notification = notificationOf(value);
          if (notification) notifications.push(notification);
        }
        const key = `${topic}:${partition}`;
        position.set(key, BigInt(message.offset) + 1n);
        if (behind.has(key) && BigInt(message.offset) + 1n >= behind.get(key)!) behind.delete(key);
      },
    });

    const tick = async () => {
      if (!leading || behind.size > 0 || reconciling) return;
      reconciling = true;
      try {
        const now = Date.now();
        const result = reconcile({ declared: settings.connectors, ledger, removed, signals: [...signals.values()], notifications, now, retryAfterMs: settings.retryAfterMs });
        if (result.ledger.size > 0) {
          const messages = [...result.ledger].map(([key, collections]) => ({ key, value: JSON.stringify({ collections, removedAt: result.removed.get(key) ?? {} }) }));
          await producer.send({ topic: settings.ledgerTopic, acks: -1, messages });
          for (const [key, collections] of result.ledger) {
            ledger.set(key, collections);
            removed.set(key, result.removed.get(key) ?? {});
          }
        }
        for (const message of result.signals) {
          await producer.send({ topic: message.topic, acks: -1, messages: [{ key: message.key, value: message.value, partition: 0 }] });
          signals.set(message.signal.id, message.signal);
          logger.info('snapshot signal sent', { connector: message.key, table: message.signal.collection, attempt: message.signal.attempt, id: message.signal.id });
        }
        metrics.snapshotPending.reset();
        for (const pending of result.pending) {
          metrics.snapshotPending.set({ tenant: tenantOf(pending.prefix, pending.collection), connector: pending.prefix, table: pending.collection, state: pending.state },
            Math.max(0, (now - pending.since) / 1000));
          if (pending.state === 'failed') logger.warn('a table cannot be snapshotted while streaming', { connector: pending.prefix, table: pending.collection, reason: pending.reason });
        }
      } catch (error) {
        logger.warn('snapshot reconciliation failed; trying again', { error });
      } finally {
        reconciling = false;
      }
    };
    timer = setInterval(() => void tick(), settings.intervalMs);
    return {
      async stop() {
        clearInterval(timer);
        await disconnect();
      },
    };
  }
}
