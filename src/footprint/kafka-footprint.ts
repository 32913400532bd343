/**
 * What a synthesized output costs on the Kafka cluster: topics, partitions (before replication) and
 * Kafka clients, per Connect cluster and in total. Computed from the objects themselves (KafkaConnect
 * and KafkaConnector specs), so keys a user adds with `addConfig` count too.
 *
 * Managed Kafka services limit exactly these (a Confluent Cloud Standard cluster takes 4,096 partitions
 * before replication and rate-limits their creation); a fleet of hundreds of tenants reaches such
 * limits on its first deploy unless someone counts first.
 */
import { DEBEZIUM_PLUGINS } from '../connectors/database-kind';
import type { DatabaseKindName } from '../tenants/rules';

/** A synthesized Kubernetes object, as JSON. */
export interface SynthesizedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: any;
}

/** Topics of one kind and their partitions. */
export interface TopicCount {
  readonly topics: number;
  /** Partitions before replication; `undefined` when some of them take the broker's default. */
  readonly partitions: number | undefined;
}

/** The footprint of one Connect cluster, or of the whole output. */
export interface KafkaFootprint {
  readonly connectors: number;
  readonly tasks: number;
  /** Per-table change topics. */
  readonly changeTopics: TopicCount;
  /** Debezium's schema history topics (SQL Server, MySQL, MariaDB): one partition each. */
  readonly schemaHistoryTopics: TopicCount;
  /** The consumer-facing schema change topics (`<prefix>`), when `include.schema.changes` is on. */
  readonly schemaChangeTopics: TopicCount;
  /** Heartbeat topics; connectors that share `topic.heartbeat.name` share one. */
  readonly heartbeatTopics: TopicCount;
  /** Connect's config, offset and status topics. */
  readonly connectStorageTopics: TopicCount;
  /** The snapshot signal and notification topics connectors share (`signal.kafka.topic`, `notification.sink.topic.name`). */
  readonly snapshotTopics: TopicCount;
  readonly topics: number;
  readonly partitions: number | undefined;
  /**
   * Kafka clients (each holds a connection to every broker it talks to): per worker, the group member
   * and the producers and consumers of the three storage topics and an admin; per task, its producer and
   * the admin that creates its topics; per schema history, a producer (and a consumer while recovering);
   * per task with a Kafka signal channel, its signal consumer.
   */
  readonly clients: number;
}

/** Kafka Connect's defaults for its storage topics' partitions (config is always 1). */
const CONNECT_STORAGE_PARTITIONS = { 'offset.storage.partitions': 25, 'status.storage.partitions': 5 };
const CLIENTS_PER_WORKER = 8;
const CLIENTS_PER_TASK = 2;

/** The kinds of object the footprint is counted from; the others may be left out of what is passed in. */
export const FOOTPRINT_KINDS: ReadonlySet<string> = new Set(['KafkaConnect', 'KafkaConnector']);

/** The footprint of each Connect cluster in the output, by KafkaConnect name. */
export function kafkaFootprintByCluster(objects: readonly SynthesizedObject[]): Map<string, KafkaFootprint> {
  const result = new Map<string, KafkaFootprint>();
  for (const connect of objects.filter((o) => o.kind === 'KafkaConnect')) {
    const connectors = objects.filter((o) => o.kind === 'KafkaConnector' && o.metadata.labels?.['strimzi.io/cluster'] === connect.metadata.name);
    result.set(connect.metadata.name, clusterFootprint(connect, connectors));
  }
  return result;
}

/** The footprint of the whole output: every Connect cluster's, summed (shared heartbeat topics counted once each). */
export function totalKafkaFootprint(byCluster: ReadonlyMap<string, KafkaFootprint>): KafkaFootprint {
  const all = [...byCluster.values()];
  const sum = (pick: (f: KafkaFootprint) => number) => all.reduce((total, f) => total + pick(f), 0);
  const sumTopics = (pick: (f: KafkaFootprint) => TopicCount): TopicCount => ({
    topics: sum((f) => pick(f).topics),
    partitions: all.some((f) => pick(f).partitions === undefined) ? undefined : sum((f) => pick(f).partitions!),
  });
  return withTotals({
    connectors: sum((f) => f.connectors),
    tasks: sum((f) => f.tasks),
    changeTopics: sumTopics((f) => f.changeTopics),
    schemaHistoryTopics: sumTopics((f) => f.schemaHistoryTopics),
    schemaChangeTopics: sumTopics((f) => f.schemaChangeTopics),
    heartbeatTopics: sumTopics((f) => f.heartbeatTopics),
    connectStorageTopics: sumTopics((f) => f.connectStorageTopics),
    snapshotTopics: sumTopics((f) => f.snapshotTopics),
    clients: sum((f) => f.clients),
  });
}

function clusterFootprint(connect: SynthesizedObject, connectors: readonly SynthesizedObject[]): KafkaFootprint {
  const change: Array<number | undefined> = [];
  const history: number[] = [];
  const schemaChanges: Array<number | undefined> = [];
  const heartbeats = new Map<string, number | undefined>();
  // signals are read from partition 0 only (KafkaSignalChannel), so the reconciler creates the topic with one
  const snapshotTopics = new Map<string, number | undefined>();
  let tasks = 0;
  let clients = 0;
  for (const connector of connectors) {
    const config: Record<string, unknown> = connector.spec?.config ?? {};
    const kind = kindOf(connector.spec?.class);
    const partitions = partitionsOf(config['topic.creation.default.partitions']);
    const databases = kind === 'sqlserver' ? String(config['database.names'] ?? '').split(',').filter(Boolean).length : 1;
    const tables = String(config['table.include.list'] ?? '').split(',').filter(Boolean).length;
    // a stopped connector has no tasks and writes nothing, but its topics stay
    const running = connector.spec?.state === 'stopped' ? 0 : Math.min(Number(connector.spec?.tasksMax ?? 1), databases);
    tasks += running;
    clients += running * CLIENTS_PER_TASK;
    for (let i = 0; i < tables * databases; i++) change.push(partitions);
    if (kind !== undefined && DEBEZIUM_PLUGINS[kind].schemaHistory) {
      history.push(1);
      clients += running * 2;
      if (String(config['include.schema.changes'] ?? 'true') !== 'false') schemaChanges.push(partitions);
    }
    if (config['signal.kafka.topic'] !== undefined && String(config['signal.enabled.channels'] ?? '').split(',').includes('kafka')) {
      snapshotTopics.set(String(config['signal.kafka.topic']), 1);
      clients += running;
    }
    if (config['notification.sink.topic.name'] !== undefined) snapshotTopics.set(String(config['notification.sink.topic.name']), partitions);
    if (Number(config['heartbeat.interval.ms'] ?? 0) > 0) {
      const prefix = String(config['topic.prefix']);
      const name = String(config['topic.heartbeat.name'] ?? `${String(config['topic.heartbeat.prefix'] ?? '__debezium-heartbeat')}.${prefix}`);
      heartbeats.set(name, partitions);
    }
  }
  const workerConfig: Record<string, unknown> = connect.spec?.config ?? {};
  const storage = [1, ...Object.entries(CONNECT_STORAGE_PARTITIONS).map(([key, fallback]) => Number(workerConfig[key] ?? fallback))];
  return withTotals({
    connectors: connectors.length,
    tasks,
    changeTopics: count(change),
    schemaHistoryTopics: count(history),
    schemaChangeTopics: count(schemaChanges),
    heartbeatTopics: count([...heartbeats.values()]),
    connectStorageTopics: count(storage),
    snapshotTopics: count([...snapshotTopics.values()]),
    clients: clients + CLIENTS_PER_WORKER * Number(connect.spec?.replicas ?? 1),
  });
}

function withTotals(footprint: Omit<KafkaFootprint, 'topics' | 'partitions'>): KafkaFootprint {
  const parts = [footprint.changeTopics, footprint.schemaHistoryTopics, footprint.schemaChangeTopics, footprint.heartbeatTopics, footprint.connectStorageTopics,
    footprint.snapshotTopics];
  return {
    ...footprint,
    topics: parts.reduce((sum, p) => sum + p.topics, 0),
    partitions: parts.some((p) => p.partitions === undefined) ? undefined : parts.reduce((sum, p) => sum + p.partitions!, 0),
  };
}

function count(partitions: ReadonlyArray<number | undefined>): TopicCount {
  return {
    topics: partitions.length,
    partitions: partitions.some((p) => p === undefined) ? undefined : partitions.reduce<number>((sum, p) => sum + p!, 0),
  };
}

/** A `topic.creation.default.partitions` value: -1 (or nothing) means the broker's default, unknown here. */
function partitionsOf(value: unknown): number | undefined {
  const partitions = Number(value ?? -1);
  return partitions > 0 ? partitions : undefined;
}

function kindOf(connectorClass: unknown): DatabaseKindName | undefined {
  return (Object.keys(DEBEZIUM_PLUGINS) as DatabaseKindName[]).find((kind) => DEBEZIUM_PLUGINS[kind].connectorClass === connectorClass);
}
