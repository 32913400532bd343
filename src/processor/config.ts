import { HOST_PORT, KAFKA_PRINCIPAL, KAFKA_TOPIC as TOPIC } from '../tenants/rules';
import { ColumnMaskRules, ColumnMasks } from './column-masks';
import { defaultDlqTopic, defaultSnapshotLedgerTopic, PROCESSOR_ENV, PROCESSOR_ENV_DEFAULTS } from './env';
import { MIN_MESSAGE_BYTES } from './record-batches';

/** More slots than this would mean more producers (connections) per replica than partitions deserve. */
const MAX_EXACTLY_ONCE_SLOTS = 1024;

/** The processor's settings, parsed once from the environment (contract 2). */
export interface ProcessorConfig {
  readonly brokers: readonly string[];
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** TLS to the brokers: with SASL always, else when KAFKA_TLS is true. */
  readonly tls: boolean;
  /** The principal ACLs name for the SASL user, when it is not `User:<username>` (messages about refusals only). */
  readonly principal?: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly sourceTopics: readonly string[];
  readonly sourceTopicPattern?: RegExp;
  readonly sinkTopic: string;
  readonly dlqTopic: string;
  /** `<topic.prefix>` or `<topic.prefix>/<database>` to tenant. */
  readonly tenantRoutes: ReadonlyMap<string, string>;
  /** Connectors whose added tables are snapshotted while they stream (SNAPSHOT_CONNECTORS); none when unset. */
  readonly snapshots?: {
    readonly connectors: ReadonlyArray<{ readonly prefix: string; readonly signalTopic: string; readonly notificationTopic: string; readonly collections: readonly string[] }>;
    readonly ledgerTopic: string;
    readonly intervalMs: number;
    readonly retryAfterMs: number;
  };
  readonly processingGuarantee: 'at-least-once' | 'exactly-once';
  readonly httpPort: number;
  readonly httpHost: string;
  /** How often to look for new topics matching the source pattern (a new tenant's first change). */
  readonly topicRefreshMs: number;
  /**
   * The largest record batch the final and dead-letter topics take.
   *
   * @default - each topic's `max.message.bytes`, asked from the broker
   */
  readonly maxMessageBytes?: number;
  /** With exactly-once, how many slots (transactional producers, units of assignment) input partitions map to. */
  readonly exactlyOnceSlots: number;
  /** The declared masks, to apply where Debezium did not (COLUMN_MASKS, MASKING_SALT). */
  readonly columnMasks?: ColumnMasks;
}

/** A bad environment; `problems` lists every one, each naming the variable, the bad value and the fix. */
export class ProcessorConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`the processor's environment has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ProcessorConfigError';
  }
}

/**
 * Parses and checks the processor's environment.
 *
 * @throws ProcessorConfigError listing every problem
 */
export function parseProcessorConfig(env: Readonly<Record<string, string | undefined>>): ProcessorConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const list = (name: string) => (get(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);

  const brokers = list(PROCESSOR_ENV.brokers);
  if (brokers.length === 0) problems.push(`${PROCESSOR_ENV.brokers}: required; set the Kafka brokers as host:port,host:port`);
  for (const broker of brokers) {
    if (!HOST_PORT.test(broker)) problems.push(`${PROCESSOR_ENV.brokers}: ${JSON.stringify(broker)} is not host:port`);
  }

  let sasl: ProcessorConfig['sasl'];
  const mechanism = get(PROCESSOR_ENV.saslMechanism);
  if (mechanism !== undefined) {
    const username = get(PROCESSOR_ENV.saslUsername);
    const password = env[PROCESSOR_ENV.saslPassword];
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-512') {
      problems.push(`${PROCESSOR_ENV.saslMechanism}: ${JSON.stringify(mechanism)} is not supported; use plain or scram-sha-512`);
    }
    if (!username) problems.push(`${PROCESSOR_ENV.saslUsername}: required with ${PROCESSOR_ENV.saslMechanism}; set the SASL user name`);
    if (!password) problems.push(`${PROCESSOR_ENV.saslPassword}: required with ${PROCESSOR_ENV.saslMechanism}; set it from the Kafka credentials Secret`);
    if (username && password && (mechanism === 'plain' || mechanism === 'scram-sha-512')) sasl = { mechanism, username, password };
  } else if (get(PROCESSOR_ENV.saslUsername) || env[PROCESSOR_ENV.saslPassword]) {
    problems.push(`${PROCESSOR_ENV.saslMechanism}: required when a SASL user name or password is set; use plain or scram-sha-512`);
  }

  const tlsValue = get(PROCESSOR_ENV.tls);
  if (tlsValue !== undefined && tlsValue !== 'true' && tlsValue !== 'false') {
    problems.push(`${PROCESSOR_ENV.tls}: ${JSON.stringify(tlsValue)} is not true or false; set true for TLS without SASL (SASL always uses TLS)`);
  }
  if (tlsValue === 'false' && mechanism !== undefined) {
    problems.push(`${PROCESSOR_ENV.tls}: false, but ${PROCESSOR_ENV.saslMechanism} is set and SASL always uses TLS; remove ${PROCESSOR_ENV.tls}`);
  }

  const principal = get(PROCESSOR_ENV.principal);
  if (principal !== undefined && !KAFKA_PRINCIPAL.test(principal)) {
    problems.push(`${PROCESSOR_ENV.principal}: ${JSON.stringify(principal)} is not a Kafka principal; write User: and the name, e.g. User:sa-1a2b3c`);
  }

  const sourceTopics = list(PROCESSOR_ENV.sourceTopics);
  for (const topic of sourceTopics) {
    if (!TOPIC.test(topic)) problems.push(`${PROCESSOR_ENV.sourceTopics}: ${JSON.stringify(topic)} is not a Kafka topic name`);
  }
  let sourceTopicPattern: RegExp | undefined;
  const pattern = get(PROCESSOR_ENV.sourceTopicPattern);
  if (pattern !== undefined) {
    if (!pattern.startsWith('^') || !pattern.endsWith('$')) {
      problems.push(`${PROCESSOR_ENV.sourceTopicPattern}: ${JSON.stringify(pattern)} is not anchored; start it with ^ and end it with $`);
    }
    try {
      sourceTopicPattern = new RegExp(pattern);
    } catch (error) {
      problems.push(`${PROCESSOR_ENV.sourceTopicPattern}: ${JSON.stringify(pattern)} is not a regular expression: ${(error as Error).message}`);
    }
  }
  if (sourceTopics.length === 0 && pattern === undefined) {
    problems.push(`${PROCESSOR_ENV.sourceTopics}: set ${PROCESSOR_ENV.sourceTopics} and/or ${PROCESSOR_ENV.sourceTopicPattern}: the processor would read nothing`);
  }

  const sinkTopic = get(PROCESSOR_ENV.sinkTopic) ?? '';
  if (!sinkTopic) problems.push(`${PROCESSOR_ENV.sinkTopic}: required; set the final topic, e.g. cdc.events`);
  else if (!TOPIC.test(sinkTopic)) problems.push(`${PROCESSOR_ENV.sinkTopic}: ${JSON.stringify(sinkTopic)} is not a Kafka topic name`);
  const dlqTopic = get(PROCESSOR_ENV.dlqTopic) ?? defaultDlqTopic(sinkTopic);
  if (sinkTopic && !TOPIC.test(dlqTopic)) problems.push(`${PROCESSOR_ENV.dlqTopic}: ${JSON.stringify(dlqTopic)} is not a Kafka topic name`);
  for (const topic of [sinkTopic, dlqTopic]) {
    if (topic && (sourceTopics.includes(topic) || sourceTopicPattern?.test(topic))) {
      problems.push(`${topic === sinkTopic ? PROCESSOR_ENV.sinkTopic : PROCESSOR_ENV.dlqTopic}: ${JSON.stringify(topic)} is also a source topic; the processor would read its own output`);
    }
  }

  const tenantRoutes = new Map<string, string>();
  const routes = get(PROCESSOR_ENV.tenantRoutes);
  if (routes !== undefined) {
    try {
      const parsed: unknown = JSON.parse(routes);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      for (const [from, tenant] of Object.entries(parsed)) {
        if (typeof tenant !== 'string' || !tenant) problems.push(`${PROCESSOR_ENV.tenantRoutes}: the route of ${JSON.stringify(from)} must be a tenant name, got ${JSON.stringify(tenant)}`);
        else tenantRoutes.set(from, tenant);
      }
    } catch (error) {
      problems.push(`${PROCESSOR_ENV.tenantRoutes}: not a JSON object of "<topic.prefix>[/<database>]": "<tenant>" (${(error as Error).message})`);
    }
  }

  const guarantee = get(PROCESSOR_ENV.processingGuarantee) ?? PROCESSOR_ENV_DEFAULTS.processingGuarantee;
  if (guarantee !== 'at-least-once' && guarantee !== 'exactly-once') {
    problems.push(`${PROCESSOR_ENV.processingGuarantee}: ${JSON.stringify(guarantee)} is not supported; use at-least-once or exactly-once`);
  }
  const port = Number(get(PROCESSOR_ENV.httpPort) ?? PROCESSOR_ENV_DEFAULTS.httpPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${PROCESSOR_ENV.httpPort}: ${JSON.stringify(get(PROCESSOR_ENV.httpPort))} is not a port; use a number from 0 to 65535`);
  }

  const refresh = Number(get(PROCESSOR_ENV.topicRefreshMs) ?? PROCESSOR_ENV_DEFAULTS.topicRefreshMs);
  if (!Number.isInteger(refresh) || refresh < 100) {
    problems.push(`${PROCESSOR_ENV.topicRefreshMs}: ${JSON.stringify(get(PROCESSOR_ENV.topicRefreshMs))} is not a number of milliseconds of at least 100`);
  }

  const maxMessageBytes = get(PROCESSOR_ENV.maxMessageBytes);
  if (maxMessageBytes !== undefined && !(Number.isInteger(Number(maxMessageBytes)) && Number(maxMessageBytes) >= MIN_MESSAGE_BYTES)) {
    problems.push(`${PROCESSOR_ENV.maxMessageBytes}: ${JSON.stringify(maxMessageBytes)} is not a number of bytes of at least ${MIN_MESSAGE_BYTES}; `
      + 'set the final and dead-letter topics\' max.message.bytes, or unset it to ask the broker');
  }

  const slots = Number(get(PROCESSOR_ENV.exactlyOnceSlots) ?? PROCESSOR_ENV_DEFAULTS.exactlyOnceSlots);
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_EXACTLY_ONCE_SLOTS) {
    problems.push(`${PROCESSOR_ENV.exactlyOnceSlots}: ${JSON.stringify(get(PROCESSOR_ENV.exactlyOnceSlots))} is not a number of slots from 1 to ${MAX_EXACTLY_ONCE_SLOTS}; `
      + 'a few per replica is enough (each slot is one transactional producer)');
  }

  const columnMasks = parseColumnMasks(get(PROCESSOR_ENV.columnMasks), env[PROCESSOR_ENV.maskingSalt], problems);
  const snapshots = parseSnapshots(get, problems, get(PROCESSOR_ENV.groupId) ?? PROCESSOR_ENV_DEFAULTS.groupId);

  if (problems.length > 0) throw new ProcessorConfigError(problems);
  return {
    ...(snapshots && { snapshots }),
    brokers,
    ...(sasl && { sasl }),
    tls: sasl !== undefined || tlsValue === 'true',
    ...(principal !== undefined && { principal }),
    groupId: get(PROCESSOR_ENV.groupId) ?? PROCESSOR_ENV_DEFAULTS.groupId,
    clientId: get(PROCESSOR_ENV.clientId) ?? PROCESSOR_ENV_DEFAULTS.clientId,
    sourceTopics,
    ...(sourceTopicPattern && { sourceTopicPattern }),
    sinkTopic,
    dlqTopic,
    tenantRoutes,
    processingGuarantee: guarantee as ProcessorConfig['processingGuarantee'],
    httpPort: port,
    httpHost: get(PROCESSOR_ENV.httpHost) ?? PROCESSOR_ENV_DEFAULTS.httpHost,
    topicRefreshMs: refresh,
    ...(maxMessageBytes !== undefined && { maxMessageBytes: Number(maxMessageBytes) }),
    exactlyOnceSlots: slots,
    ...(columnMasks && { columnMasks }),
  };
}

/** COLUMN_MASKS and MASKING_SALT, checked; undefined when no mask is declared (or after adding problems). */
function parseColumnMasks(text: string | undefined, salt: string | undefined, problems: string[]): ColumnMasks | undefined {
  if (text === undefined) return undefined;
  const name = PROCESSOR_ENV.columnMasks;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    if (!isPlainObject(parsed)) throw new Error('not an object');
  } catch (error) {
    problems.push(`${name}: not a JSON object of "<topic.prefix>": {"<schema.table>": {"hash": [...], "asterisks": {...}}} (${(error as Error).message})`);
    return undefined;
  }
  const count = problems.length;
  const hashing: string[] = [];
  for (const [prefix, tables] of Object.entries(parsed as Record<string, unknown>)) {
    if (!isPlainObject(tables)) {
      problems.push(`${name}: the masks of ${prefix} must be an object of "<schema.table>": {...}, got ${JSON.stringify(tables)}`);
      continue;
    }
    for (const [table, masks] of Object.entries(tables)) {
      const where = `${name}: ${prefix} ${table}`;
      if (!isPlainObject(masks)) {
        problems.push(`${where}: must be an object with hash and/or asterisks, got ${JSON.stringify(masks)}`);
        continue;
      }
      const unknown = Object.keys(masks).filter((k) => k !== 'hash' && k !== 'asterisks');
      if (unknown.length > 0) problems.push(`${where}: ${unknown.map((k) => JSON.stringify(k)).join(', ')} is no mask; use hash or asterisks`);
      if (masks.hash !== undefined) {
        if (!Array.isArray(masks.hash) || masks.hash.some((c) => typeof c !== 'string' || !c)) {
          problems.push(`${where}: hash must be a list of column names, got ${JSON.stringify(masks.hash)}`);
        } else if (masks.hash.length > 0) {
          hashing.push(`${prefix} ${table}`);
        }
      }
      if (masks.asterisks !== undefined) {
        if (!isPlainObject(masks.asterisks)) {
          problems.push(`${where}: asterisks must be an object of column to number of asterisks, got ${JSON.stringify(masks.asterisks)}`);
        } else {
          for (const [column, n] of Object.entries(masks.asterisks)) {
            if (!Number.isInteger(n) || (n as number) < 1) problems.push(`${where}: asterisks.${column} must be a whole number of at least 1, got ${JSON.stringify(n)}`);
          }
        }
      }
    }
  }
  if (hashing.length > 0 && !salt) {
    problems.push(`${PROCESSOR_ENV.maskingSalt}: required when ${name} hashes columns (${hashing.join(', ')}); set it to the tenants file's masking.salt`);
  }
  if (problems.length > count) return undefined;
  const masks = new ColumnMasks(parsed as ColumnMaskRules, salt);
  return masks.isEmpty ? undefined : masks;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** SNAPSHOT_CONNECTORS and its settings, every problem named with the variable and the fix. */
function parseSnapshots(get: (name: string) => string | undefined, problems: string[], groupId: string): ProcessorConfig['snapshots'] {
  const raw = get(PROCESSOR_ENV.snapshotConnectors);
  if (raw === undefined) return undefined;
  const connectors: Array<NonNullable<ProcessorConfig['snapshots']>['connectors'][number]> = [];
  const shape = `a JSON object of "<topic.prefix>": {"signals": "<topic>", "notifications": "<topic>", "tables": ["<data collection>", ...]}`;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    for (const [prefix, value] of Object.entries(parsed as Record<string, any>)) {
      const ok = value && typeof value.signals === 'string' && TOPIC.test(value.signals) && typeof value.notifications === 'string' && TOPIC.test(value.notifications)
        && Array.isArray(value.tables) && value.tables.every((t: unknown) => typeof t === 'string' && t.length > 0);
      if (!ok) problems.push(`${PROCESSOR_ENV.snapshotConnectors}: the entry of ${JSON.stringify(prefix)} is ${JSON.stringify(value)}; write ${shape}`);
      else connectors.push({ prefix, signalTopic: value.signals, notificationTopic: value.notifications, collections: [...value.tables] });
    }
  } catch (error) {
    problems.push(`${PROCESSOR_ENV.snapshotConnectors}: not ${shape} (${(error as Error).message})`);
  }
  const number = (name: string, fallback: number) => {
    const value = Number(get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 100) problems.push(`${name}: ${JSON.stringify(get(name))} is not a number of milliseconds of at least 100`);
    return value;
  };
  const ledgerTopic = get(PROCESSOR_ENV.snapshotLedgerTopic) ?? defaultSnapshotLedgerTopic(groupId);
  if (!TOPIC.test(ledgerTopic)) problems.push(`${PROCESSOR_ENV.snapshotLedgerTopic}: ${JSON.stringify(ledgerTopic)} is not a Kafka topic name`);
  return {
    connectors,
    ledgerTopic,
    intervalMs: number(PROCESSOR_ENV.snapshotIntervalMs, PROCESSOR_ENV_DEFAULTS.snapshotIntervalMs),
    retryAfterMs: number(PROCESSOR_ENV.snapshotRetryMs, PROCESSOR_ENV_DEFAULTS.snapshotRetryMs),
  };
}
