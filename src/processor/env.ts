/**
 * The event processor's environment variables (contract 2 of DESIGN.md). The processor's config
 * parser and the EventProcessor construct both use these names, so they cannot drift apart.
 */
export const PROCESSOR_ENV = {
  brokers: 'KAFKA_BROKERS',
  saslMechanism: 'KAFKA_SASL_MECHANISM',
  saslUsername: 'KAFKA_SASL_USERNAME',
  saslPassword: 'KAFKA_SASL_PASSWORD',
  /**
   * Not in contract 2: `true` for TLS without SASL (SASL always implies TLS). A private CA is given the
   * Node.js way, as a file in NODE_EXTRA_CA_CERTS.
   */
  tls: 'KAFKA_TLS',
  /**
   * Not in contract 2: the principal the SASL user logs in as, which ACLs name (on Confluent Cloud the API
   * key's service account); only for messages about refusals. Default `User:<KAFKA_SASL_USERNAME>`.
   */
  principal: 'KAFKA_PRINCIPAL',
  groupId: 'KAFKA_GROUP_ID',
  clientId: 'KAFKA_CLIENT_ID',
  sourceTopics: 'SOURCE_TOPICS',
  sourceTopicPattern: 'SOURCE_TOPIC_PATTERN',
  sinkTopic: 'SINK_TOPIC',
  dlqTopic: 'DLQ_TOPIC',
  tenantRoutes: 'TENANT_ROUTES',
  processingGuarantee: 'PROCESSING_GUARANTEE',
  httpPort: 'HTTP_PORT',
  /** Not in contract 2: the address the HTTP server binds, e.g. 127.0.0.1 in tests. */
  httpHost: 'HTTP_HOST',
  /** Not in contract 2: how often to look for new source topics, in milliseconds. */
  topicRefreshMs: 'TOPIC_REFRESH_MS',
  /**
   * Not in contract 2: the largest record batch, in bytes, the final and dead-letter topics take. Unset,
   * the processor asks the broker for the topics' `max.message.bytes`.
   */
  maxMessageBytes: 'MAX_MESSAGE_BYTES',
  /**
   * Not in contract 2: with exactly-once, how many slots (transactional producers, units of assignment) the
   * input partitions are hashed into. The same on every replica of a consumer group; change it only with
   * the processor scaled to zero.
   */
  exactlyOnceSlots: 'EXACTLY_ONCE_SLOTS',
  /**
   * Not in contract 2: the tenants file's `hash` and `asterisks` rules, as JSON `{"<topic.prefix>":
   * {"<schema.table>": {"hash": [...], "asterisks": {"<column>": n}}}}`. Debezium masks character columns
   * only; the processor masks what arrives unmasked.
   */
  columnMasks: 'COLUMN_MASKS',
  /** Not in contract 2: the tenants file's `masking.salt`, with COLUMN_MASKS that hash (a pepper, not a secret). */
  maskingSalt: 'MASKING_SALT',
  /**
   * Not in contract 2: JSON `{"<topic.prefix>": {"signals": "<topic>", "notifications": "<topic>", "tables": ["<data collection>", ...]}}`,
   * the connectors whose added tables the processor has snapshotted while they stream (src/snapshots/). Unset: none.
   */
  snapshotConnectors: 'SNAPSHOT_CONNECTORS',
  /** Not in contract 2: the compacted topic of what each connector has snapshotted. Default `__tenant-cdc-snapshots.<KAFKA_GROUP_ID>`. */
  snapshotLedgerTopic: 'SNAPSHOT_LEDGER_TOPIC',
  /** Not in contract 2: how often the leading replica reconciles snapshots, in milliseconds. */
  snapshotIntervalMs: 'SNAPSHOT_INTERVAL_MS',
  /** Not in contract 2: how long after a scan that missed its table (a task on the old config) to signal again, in milliseconds. */
  snapshotRetryMs: 'SNAPSHOT_RETRY_MS',
} as const;

/** Defaults the processor applies when a variable is unset. */
export const PROCESSOR_ENV_DEFAULTS = {
  groupId: 'tenant-cdc-processor',
  clientId: 'tenant-cdc-processor',
  processingGuarantee: 'at-least-once',
  httpPort: 8080,
  httpHost: '0.0.0.0',
  topicRefreshMs: 30_000,
  exactlyOnceSlots: 32,
  snapshotIntervalMs: 10_000,
  snapshotRetryMs: 30_000,
} as const;

/** The snapshot ledger topic of a processor group unless SNAPSHOT_LEDGER_TOPIC says otherwise. */
export function defaultSnapshotLedgerTopic(groupId: string): string {
  return `__tenant-cdc-snapshots.${groupId}`;
}

/** The dead-letter topic of a sink topic unless DLQ_TOPIC says otherwise. */
export function defaultDlqTopic(sinkTopic: string): string {
  return `${sinkTopic}.dlq`;
}

/** The snapshot reconciler's consumer group: one leader among the processor's replicas. */
export function snapshotGroupId(groupId: string): string {
  return `${groupId}-snapshots`;
}
