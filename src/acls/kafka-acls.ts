/**
 * The Kafka ACLs each principal of an output needs, and no more: one principal per Connect cluster (its
 * workers, its connectors' producers and their schema history clients) and one for the processor.
 * Computed from the synthesized objects themselves (KafkaConnect, KafkaConnector and the processor's
 * Deployment), like the Kafka footprint, so keys added with `addConfig` count, and so the plan can show
 * what a change adds or removes.
 *
 * Every grant says why it is needed. What each client asks the broker for was read in the clients' source
 * (Kafka Connect 4.3, Debezium 3.6's KafkaSchemaHistory, the processor) and proven on a broker with
 * StandardAuthorizer and `allow.everyone.if.no.acl.found=false` (test/e2e/kafka-access.test.ts).
 */
import { defaultDlqTopic, defaultSnapshotLedgerTopic, PROCESSOR_ENV, PROCESSOR_ENV_DEFAULTS, snapshotGroupId } from '../processor/env';
import { processorSlotTransactionalIdPrefix } from '../processor/slots';
import { compare } from '../names';
import type { SynthesizedObject } from '../footprint/kafka-footprint';
import { KAFKA_PRINCIPAL_ANNOTATION } from '../labels';

export type AclResourceType = 'topic' | 'group' | 'transactional-id' | 'cluster';
/** `literal`: the name exactly; `prefixed`: every name that starts with it. */
export type AclPatternType = 'literal' | 'prefixed';
export type AclOperation = 'read' | 'write' | 'create' | 'describe' | 'describe-configs' | 'idempotent-write';

/** The Kafka cluster resource's name in ACLs. */
export const CLUSTER_RESOURCE = 'kafka-cluster';

export interface AclResource {
  readonly type: AclResourceType;
  readonly pattern: AclPatternType;
  readonly name: string;
}

/** Operations allowed to one principal on one resource. */
export interface AclGrant {
  readonly resource: AclResource;
  readonly operations: readonly AclOperation[];
  /** Why the principal needs it, in words. */
  readonly why: string;
}

/** Everything one principal needs, for the clients that log in as it. */
export interface PrincipalAcls {
  /** `User:<name>` */
  readonly principal: string;
  /** Who logs in as it, e.g. `Connect cluster debezium-connect`, `processor debezium-connect-processor`. */
  readonly clients: readonly string[];
  /** Sorted by resource type, pattern and name; one grant per resource. */
  readonly grants: readonly AclGrant[];
}

/** The principal of a client that does not authenticate: what a PLAINTEXT listener calls everyone. */
export const ANONYMOUS = 'User:ANONYMOUS';

/** Why producers need IDEMPOTENT_WRITE on the cluster. */
const IDEMPOTENT_WHY = 'idempotent producers (brokers since Kafka 2.8 also accept WRITE on a topic; `kafka-acls --producer --idempotent` grants this)';

const OPERATION_ORDER: readonly AclOperation[] = ['read', 'write', 'create', 'describe', 'describe-configs', 'idempotent-write'];
const TYPE_ORDER: readonly AclResourceType[] = ['cluster', 'group', 'topic', 'transactional-id'];

/**
 * The ACLs of every principal in the output, sorted by principal. A connector counts for the Connect
 * cluster its label names only when that KafkaConnect is in the output too (one this app refers to with
 * `ConnectCluster.fromConnectClusterName` is someone else's to grant).
 */
export function kafkaAclsOf(objects: readonly SynthesizedObject[]): PrincipalAcls[] {
  const acls = new AclCollector();
  const connects = objects.filter((o) => o.kind === 'KafkaConnect');
  const connectors = objects.filter((o) => o.kind === 'KafkaConnector');
  const principalOfCluster = new Map<string, string>();
  for (const connect of connects) {
    const spec = connect.spec;
    const principal = principalOf(connect, spec.authentication?.username);
    principalOfCluster.set(connect.metadata.name, principal);
    const client = `Connect cluster ${connect.metadata.name}`;
    acls.add(principal, client, { type: 'group', pattern: 'literal', name: spec.groupId }, ['read'], 'the workers\' group: they join it and share the connectors');
    for (const topic of [spec.configStorageTopic, spec.offsetStorageTopic, spec.statusStorageTopic]) {
      acls.add(principal, client, { type: 'topic', pattern: 'literal', name: topic }, ['read', 'write', 'create', 'describe', 'describe-configs'],
        'a storage topic of the workers: they create it at first start, check that it is compacted, read and write it');
    }
    acls.add(principal, client, { type: 'cluster', pattern: 'literal', name: CLUSTER_RESOURCE }, ['idempotent-write'], IDEMPOTENT_WHY);
  }
  for (const connector of connectors) {
    const cluster = connector.metadata.labels?.['strimzi.io/cluster'] ?? '';
    const principal = principalOfCluster.get(cluster);
    if (!principal) continue;
    const client = `Connect cluster ${cluster}`;
    const config: Record<string, unknown> = connector.spec?.config ?? {};
    const prefix = String(config['topic.prefix']);
    acls.add(principal, client, { type: 'topic', pattern: 'prefixed', name: `${prefix}.` }, ['write', 'create', 'describe'],
      `the change topics of connector ${connector.metadata.name}, which Connect creates (topic.creation)`);
    const history = config['schema.history.internal.kafka.topic'];
    if (history !== undefined) {
      // Debezium's KafkaSchemaHistory: an admin creates the topic, a producer writes it, a consumer reads it
      // back at every task start; a check asks for its retention (a failure there is only logged)
      acls.add(principal, client, { type: 'topic', pattern: 'literal', name: String(history) }, ['read', 'write', 'create', 'describe', 'describe-configs'],
        `the schema history of connector ${connector.metadata.name}: created, written and read back at every start`);
      // its consumer reads the history back under a group id, Debezium's default `<topic.prefix>-schemahistory`
      // (HistorizedRelationalDatabaseConnectorConfig): before 3.6 it subscribes (JoinGroup needs READ), from
      // 3.6 on it assigns the partition and only looks up the coordinator (DESCRIBE, which READ implies)
      const group = config['schema.history.internal.consumer.group.id'] ?? config['schema.history.internal.name'] ?? `${prefix}-schemahistory`;
      acls.add(principal, client, { type: 'group', pattern: 'literal', name: String(group) }, ['read'],
        `the group of connector ${connector.metadata.name}'s schema history consumer, which reads the history back at every task start`);
      if (config['include.schema.changes'] !== false && config['include.schema.changes'] !== 'false') {
        acls.add(principal, client, { type: 'topic', pattern: 'literal', name: prefix }, ['write', 'create', 'describe'],
          `the schema change topic of connector ${connector.metadata.name} (include.schema.changes)`);
      }
    }
    const signals = config['signal.kafka.topic'];
    if (signals !== undefined && String(config['signal.enabled.channels'] ?? '').split(',').includes('kafka')) {
      // KafkaSignalChannel assigns partition 0 and seeks (no JoinGroup), but commits its position in its group
      acls.add(principal, client, { type: 'topic', pattern: 'literal', name: String(signals) }, ['read', 'describe'],
        'the snapshot signal topic its connectors read (the snapshot reconciler writes it)');
      acls.add(principal, client, { type: 'group', pattern: 'literal', name: String(config['signal.kafka.groupId'] ?? 'kafka-signal') }, ['read'],
        `the group of connector ${connector.metadata.name}'s signal consumer, which commits its position there`);
    }
    const notifications = config['notification.sink.topic.name'];
    if (notifications !== undefined) {
      acls.add(principal, client, { type: 'topic', pattern: 'literal', name: String(notifications) }, ['write', 'create', 'describe'],
        'the snapshot notification topic, which Connect creates (topic.creation) and its connectors write');
    }
    const heartbeatMs = Number(config['heartbeat.interval.ms'] ?? 0);
    if (heartbeatMs > 0) {
      const heartbeat = config['topic.heartbeat.name'] ?? `${config['topic.heartbeat.prefix'] ?? '__debezium-heartbeat'}.${prefix}`;
      acls.add(principal, client, { type: 'topic', pattern: 'literal', name: String(heartbeat) }, ['write', 'create', 'describe'], 'the heartbeat topic');
    }
  }
  const prefixes = [...new Set(connectors.map((c) => String(c.spec?.config?.['topic.prefix'])))].sort(compare);
  for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
    const env = processorEnv(deployment);
    if (!env || env[PROCESSOR_ENV.sinkTopic] === undefined) continue;
    const principal = principalOf(deployment, env[PROCESSOR_ENV.saslUsername]);
    const client = `processor ${deployment.metadata.name}`;
    // the pattern matches exactly the data topics of these connectors (CdcPlatform writes it from them)
    const grants = processorAcls(processorAccessOfEnv(env, prefixes));
    for (const grant of grants) acls.add(principal, client, grant.resource, grant.operations, grant.why);
  }
  return acls.result();
}

/** What the processor reads and writes: its environment (contract 2), with the topics a pattern matches as prefixes. */
export interface ProcessorAccess {
  readonly groupId: string;
  /** Raw topics read by name. */
  readonly sourceTopics: readonly string[];
  /** `topic.prefix`es whose topics it reads (`<prefix>.`...). */
  readonly sourcePrefixes: readonly string[];
  readonly sinkTopic: string;
  readonly dlqTopic: string;
  readonly exactlyOnce: boolean;
  /** With SNAPSHOT_CONNECTORS: the reconciler's group, ledger, signal and notification topics. */
  readonly snapshots?: { readonly groupId: string; readonly ledgerTopic: string; readonly signalTopics: readonly string[]; readonly notificationTopics: readonly string[] };
}

/**
 * What a processor with this environment (contract 2) reads and writes. A `SOURCE_TOPIC_PATTERN`'s topics
 * are those of `patternPrefixes`, the `topic.prefix`es it was written for.
 */
export function processorAccessOfEnv(env: Readonly<Record<string, string | undefined>>, patternPrefixes: readonly string[]): ProcessorAccess {
  const sinkTopic = env[PROCESSOR_ENV.sinkTopic] ?? '';
  return {
    groupId: env[PROCESSOR_ENV.groupId] || PROCESSOR_ENV_DEFAULTS.groupId,
    sourceTopics: (env[PROCESSOR_ENV.sourceTopics] ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    sourcePrefixes: env[PROCESSOR_ENV.sourceTopicPattern] ? patternPrefixes : [],
    sinkTopic,
    dlqTopic: env[PROCESSOR_ENV.dlqTopic] || defaultDlqTopic(sinkTopic),
    exactlyOnce: env[PROCESSOR_ENV.processingGuarantee] === 'exactly-once',
    ...snapshotAccessOfEnv(env),
  };
}

function snapshotAccessOfEnv(env: Readonly<Record<string, string | undefined>>): Pick<ProcessorAccess, 'snapshots'> {
  const raw = env[PROCESSOR_ENV.snapshotConnectors];
  if (raw === undefined) return {};
  const connectors = Object.values(JSON.parse(raw) as Record<string, { signals: string; notifications: string }>);
  const groupId = env[PROCESSOR_ENV.groupId] || PROCESSOR_ENV_DEFAULTS.groupId;
  return {
    snapshots: {
      groupId: snapshotGroupId(groupId),
      ledgerTopic: env[PROCESSOR_ENV.snapshotLedgerTopic] || defaultSnapshotLedgerTopic(groupId),
      signalTopics: [...new Set(connectors.map((c) => c.signals))].sort(compare),
      notificationTopics: [...new Set(connectors.map((c) => c.notifications))].sort(compare),
    },
  };
}

/** The grants of a processor, whatever principal it logs in as. */
export function processorAcls(access: ProcessorAccess): AclGrant[] {
  const grants: AclGrant[] = [
    { resource: { type: 'group', pattern: 'literal', name: access.groupId }, operations: ['read'], why: 'its consumer group: it joins it and commits offsets there' },
    ...access.sourceTopics.map((topic): AclGrant => ({ resource: { type: 'topic', pattern: 'literal', name: topic }, operations: ['read', 'describe'], why: 'a raw topic it reads' })),
    ...access.sourcePrefixes.map((prefix): AclGrant => ({
      resource: { type: 'topic', pattern: 'prefixed', name: `${prefix}.` }, operations: ['read', 'describe'], why: `the change topics of connector ${prefix}, which it reads`,
    })),
    ...[access.sinkTopic, access.dlqTopic].map((topic): AclGrant => ({
      resource: { type: 'topic', pattern: 'literal', name: topic }, operations: ['write', 'create', 'describe', 'describe-configs'],
      why: 'an output topic: written, created when missing, its max.message.bytes asked',
    })),
    { resource: { type: 'cluster', pattern: 'literal', name: CLUSTER_RESOURCE }, operations: ['idempotent-write'], why: IDEMPOTENT_WHY },
  ];
  const snapshots = access.snapshots;
  if (snapshots) {
    grants.push(
      { resource: { type: 'group', pattern: 'literal', name: snapshots.groupId }, operations: ['read'], why: 'the snapshot reconciler\'s group, whose one member leads' },
      { resource: { type: 'topic', pattern: 'literal', name: snapshots.ledgerTopic }, operations: ['read', 'write', 'create', 'describe'],
        why: 'the snapshot ledger: created when missing, read back at every start, written when a table was snapshotted' },
      ...snapshots.signalTopics.map((topic): AclGrant => ({ resource: { type: 'topic', pattern: 'literal', name: topic }, operations: ['read', 'write', 'create', 'describe'],
        why: 'a snapshot signal topic: created when missing, its signals sent and read back' })),
      ...snapshots.notificationTopics.map((topic): AclGrant => ({ resource: { type: 'topic', pattern: 'literal', name: topic }, operations: ['read', 'create', 'describe'],
        why: 'a snapshot notification topic: created when missing (before Connect writes it), read for snapshot progress' })),
    );
  }
  if (access.exactlyOnce) {
    grants.push({ resource: { type: 'transactional-id', pattern: 'prefixed', name: processorSlotTransactionalIdPrefix(access.groupId) }, operations: ['write', 'describe'],
      why: 'exactly-once: the transactional producers of its slots' });
  }
  return grants;
}

/** The principal a client's object names: its annotation, else `User:<SASL user name>`, else anonymous. */
function principalOf(object: SynthesizedObject, username: string | undefined): string {
  const annotated = (object.metadata as { annotations?: Record<string, string> }).annotations?.[KAFKA_PRINCIPAL_ANNOTATION];
  return annotated ?? (username ? `User:${username}` : ANONYMOUS);
}

/** The plain environment values of a Deployment's first container (a Secret reference has none). */
function processorEnv(deployment: SynthesizedObject): Record<string, string> | undefined {
  const container = deployment.spec?.template?.spec?.containers?.[0];
  if (!container?.env) return undefined;
  return Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
}

/** True when a prefixed resource of the same type covers a literal or longer prefixed one. */
function covers(by: AclResource, resource: AclResource): boolean {
  return by.type === resource.type && by.pattern === 'prefixed' && by !== resource && resource.name.startsWith(by.name)
    && (resource.pattern === 'literal' || resource.name.length > by.name.length);
}

/** Collects grants per principal and resource, merging operations and dropping what a prefix covers. */
class AclCollector {
  private readonly principals = new Map<string, { clients: Set<string>; grants: Map<string, { resource: AclResource; operations: Set<AclOperation>; why: string[] }> }>();

  add(principal: string, client: string, resource: AclResource, operations: readonly AclOperation[], why: string): void {
    let entry = this.principals.get(principal);
    if (!entry) this.principals.set(principal, entry = { clients: new Set(), grants: new Map() });
    entry.clients.add(client);
    const key = `${resource.type}\u0000${resource.pattern}\u0000${resource.name}`;
    const grant = entry.grants.get(key);
    if (grant) {
      for (const op of operations) grant.operations.add(op);
      if (!grant.why.includes(why)) grant.why.push(why);
    } else {
      entry.grants.set(key, { resource, operations: new Set(operations), why: [why] });
    }
  }

  result(): PrincipalAcls[] {
    return [...this.principals].sort(([a], [b]) => compare(a, b)).map(([principal, { clients, grants }]) => {
      const all = [...grants.values()];
      const kept: AclGrant[] = [];
      for (const grant of all) {
        // operations a prefix of the same principal already allows need no grant of their own
        const covered = new Set(all.filter((g) => covers(g.resource, grant.resource)).flatMap((g) => [...g.operations]));
        const operations = OPERATION_ORDER.filter((op) => grant.operations.has(op) && !covered.has(op));
        if (operations.length > 0) kept.push({ resource: grant.resource, operations, why: grant.why.join('; ') });
      }
      kept.sort((a, b) => TYPE_ORDER.indexOf(a.resource.type) - TYPE_ORDER.indexOf(b.resource.type)
        || compare(a.resource.pattern, b.resource.pattern) || compare(a.resource.name, b.resource.name));
      return { principal, clients: [...clients].sort(compare), grants: kept };
    });
  }
}
