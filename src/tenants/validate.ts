import { z } from 'zod';
import { compareDebeziumVersions, DEFAULT_DEBEZIUM_VERSION, pluginVersion } from '../connectors/database-kind';
import { SNAPSHOT_MODES_SINCE } from '../debezium-keys/config-keys';
import type { KafkaAuth, KafkaConnection } from '../kafka-connection';
import { placeTenant } from '../fleet/placement';
import { compare, isDataTopic } from '../names';
import * as rules from './rules';
import { show, TenantsFile, tenantsFileSchema } from './schema';
import { resolveTables, TableColumns, TableEntry } from './tables';

/** A tenant with every default applied: what the constructs build from. */
export interface ResolvedTenant {
  readonly id: string;
  readonly database: { readonly kind: rules.DatabaseKindName; readonly host: string; readonly port: number; readonly name: string };
  readonly credentials: ResolvedCredentials;
  readonly tables: readonly string[];
  /** Column rules of the tables that have them. */
  readonly columns: readonly TableColumns[];
  readonly snapshotMode: string;
  readonly state: (typeof rules.CONNECTOR_STATES)[number];
  /** The Connect cluster the tenant runs on: its `connect:`, else placed by a hash of its id. */
  readonly connect: string;
  readonly topicPartitions: number;
  readonly heartbeatIntervalMs: number;
  /** The SQL Server group whose shared connector captures this tenant, if any. */
  readonly group?: string;
}

/** Where a connector's credentials are, and the version that restarts it after a rotation. */
export interface ResolvedCredentials {
  readonly secret: string;
  readonly usernameKey: string;
  readonly passwordKey: string;
  readonly version?: string;
}

/** SQL Server tenants on one server sharing one multi-database connector. */
export interface ResolvedSqlServerGroup {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly credentials: ResolvedCredentials;
  readonly tasks: number;
  /** The Connect cluster it runs on: its `connect:`, else placed by a hash of its name. */
  readonly connect: string;
  readonly snapshotMode: string;
  readonly state: (typeof rules.CONNECTOR_STATES)[number];
}

/** A Connect cluster with the first cluster's settings inherited. */
export interface ResolvedConnectCluster {
  readonly name: string;
  /** Workers; unset, they are sized from the cluster's connectors. */
  readonly replicas?: number;
  /** Memory per worker; unset, it is sized from the cluster's connectors. */
  readonly memory?: string;
  readonly cpu: string;
  readonly image?: string;
  readonly build?: { readonly image: string; readonly pushSecret?: string };
  readonly debeziumVersion: string;
  /** The Kafka cluster and the credentials this cluster's workers and connectors log in with. */
  readonly kafka: KafkaConnection;
}

/** A tenants file with every default applied and every rule checked; tenants sorted by id. */
export interface ResolvedTenantsFile {
  readonly namespace: string;
  readonly kafka: TenantsFile['kafka'];
  /** The first Connect cluster (`connect:`). */
  readonly connect: ResolvedConnectCluster;
  /** Every Connect cluster, the first one first, then `connect.clusters` in file order. */
  readonly clusters: readonly ResolvedConnectCluster[];
  /** The first cluster's Debezium version. */
  readonly debeziumVersion: string;
  readonly processor: { readonly image: string; readonly replicas: number; readonly outputTopic: string; readonly kafka: KafkaConnection };
  readonly tenants: readonly ResolvedTenant[];
  /** SQL Server groups, sorted by name; their tenants are in `tenants` with `group` set. */
  readonly sqlServerGroups: readonly ResolvedSqlServerGroup[];
  /** How hashed columns are hashed. */
  readonly masking?: { readonly salt: string };
}

/** The defaults tenant-cdc applies where the tenants file is silent. */
export const DEFAULTS = {
  connectName: 'tenant-cdc',
  connectCpu: '500m',
  debeziumVersion: DEFAULT_DEBEZIUM_VERSION,
  processorImage: 'tenant-cdc-processor:0.1.0',
  processorReplicas: 2,
  outputTopic: 'cdc.events',
  usernameKey: 'username',
  passwordKey: 'password',
  snapshotMode: 'initial',
  state: 'running',
  kind: 'sqlserver',
  topicPartitions: 1,
  heartbeatIntervalMs: 60000,
} as const;

/**
 * A tenants file that breaks rules. `problems` lists every one, each as
 * `tenants[3].database.host: what is wrong, the bad value and the fix`.
 */
export class TenantsFileError extends Error {
  constructor(public readonly problems: readonly string[], source = 'the tenants file') {
    super(`${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'TenantsFileError';
  }
}

type Path = ReadonlyArray<PropertyKey>;

/** Tells where in the source file a path is, e.g. `tenants.yaml:12:7`; the loader provides it. */
export type Locator = (path: Path) => string | undefined;

/**
 * Checks a tenants file (parsed YAML or props written in TypeScript) and applies every default.
 *
 * @throws TenantsFileError listing every problem at once
 */
export function resolveTenantsFile(input: unknown, options: { readonly locate?: Locator; readonly source?: string } = {}): ResolvedTenantsFile {
  const checked = typeof input === 'object' && input !== null ? CHECKED.get(input) : undefined;
  if (checked) return checked;
  const problems = new Problems(options.locate);
  const parsed = tenantsFileSchema.safeParse(input, { error: genericMessage });
  if (!parsed.success) problems.addZodIssues(parsed.error.issues);
  const resolved = resolveAndCheck(input, problems);
  if (problems.list.length > 0 || !parsed.success || !resolved) throw new TenantsFileError(problems.list, options.source);
  return resolved;
}

/**
 * Files already checked, by identity: `loadTenantsFile` returns a deep-frozen file, so `CdcPlatform` need
 * not check it a second time. Frozen objects cannot change, so the cached result cannot go stale.
 */
const CHECKED = new WeakMap<object, ResolvedTenantsFile>();

/**
 * Remembers that a frozen file is valid; see CHECKED.
 *
 * @internal
 */
export function rememberChecked(file: object, resolved: ResolvedTenantsFile): void {
  if (Object.isFrozen(file)) CHECKED.set(file, resolved);
}

/** Collects problems, in the order found and without repeats, and knows which paths already failed. */
class Problems {
  public readonly list: string[] = [];
  private readonly failed = new Set<string>();

  constructor(private readonly locate?: Locator) {}

  add(path: Path, message: string): void {
    const where = this.locate?.(path);
    const line = `${formatPath(path)}: ${message}${where ? ` (${where})` : ''}`;
    if (!this.list.includes(line)) this.list.push(line);
    this.failed.add(formatPath(path));
  }

  /** True when this path, or a field inside it, already has a problem. */
  hasFailed(path: Path): boolean {
    if (this.failed.size === 0) return false;
    const prefix = formatPath(path);
    return [...this.failed].some((p) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`));
  }

  addZodIssues(issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add([...issue.path, key], unknownFieldMessage(key, allowedKeys(issue.path)));
      } else {
        this.add(issue.path, issue.message);
      }
    }
  }
}

/** Messages for issues the schema has no specific text for, always with the bad value. */
function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required; add this field (see tenants.schema.json or docs/tenants-file.md)`;
      return `expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${show(issue.input)}`;
    case 'invalid_value':
      return `${show(issue.input)} is not allowed; use one of: ${issue.values.join(', ')}`;
    default:
      return undefined;
  }
}

/** `tenants[3].database.host` */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(file)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

function unknownFieldMessage(key: PropertyKey, allowed: readonly string[]): string {
  const name = String(key);
  const close = allowed.filter((a) => editDistance(a.toLowerCase(), name.toLowerCase()) <= 2);
  const hint = close.length > 0 ? `did you mean "${close[0]}"? ` : '';
  return `unknown field ${show(name)}; ${hint}allowed here: ${allowed.join(', ')}`;
}

/** The field names the schema allows at a path, found by walking the zod schema. */
function allowedKeys(path: Path): string[] {
  let schema: any = tenantsFileSchema;
  for (const key of [...path, undefined]) {
    // unwrap optional/partial/refined wrappers down to the object or array
    while (schema?._zod?.def?.innerType) schema = schema._zod.def.innerType;
    if (key === undefined) break;
    if (schema?._zod?.def?.type === 'array') schema = schema._zod.def.element;
    else schema = schema?._zod?.def?.shape?.[key as string];
  }
  return Object.keys(schema?._zod?.def?.shape ?? {});
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies `defaults:` and the built-in defaults to every tenant, then checks what needs the merged
 * tenant or several tenants at once. Works on the raw input so it can report alongside schema problems;
 * it skips whatever the schema already rejected, so each mistake is reported once.
 */
function resolveAndCheck(input: unknown, problems: Problems): ResolvedTenantsFile | undefined {
  if (!isObject(input) || !Array.isArray(input.tenants)) return undefined;
  const defaults = isObject(input.defaults) ? input.defaults : {};
  const clusters = resolveClusters(input, problems);
  const clusterNames = clusters.map((c) => c.name);
  const groups = resolveGroups(input, problems, clusterNames);
  const salted = isObject(input.masking) && typeof input.masking.salt === 'string';
  const tenants: ResolvedTenant[] = [];
  input.tenants.forEach((raw: unknown, index: number) => {
    if (!isObject(raw) || problems.hasFailed(['tenants', index, 'id'])) return;
    const tenant = resolveTenant(raw, defaults, index, problems, clusterNames, groups, salted);
    if (tenant) tenants.push(tenant);
  });
  checkAcrossTenants(input.tenants, tenants, problems);
  checkGroups(input, groups, tenants, problems);
  checkSnapshotModeReleases(input, clusters, groups, tenants, problems);
  if (!isObject(input.kafka) || typeof input.namespace !== 'string') return undefined;

  const processor = isObject(input.processor) ? input.processor : {};
  checkKafkaAccess(input, problems);
  const resolved: ResolvedTenantsFile = {
    namespace: input.namespace,
    kafka: input.kafka as TenantsFile['kafka'],
    connect: clusters[0],
    clusters,
    debeziumVersion: clusters[0].debeziumVersion,
    processor: {
      image: processor.image ?? DEFAULTS.processorImage,
      replicas: processor.replicas ?? DEFAULTS.processorReplicas,
      outputTopic: processor.outputTopic ?? DEFAULTS.outputTopic,
      kafka: clientConnection(input.kafka, processor.kafkaAuth),
    },
    tenants: tenants.sort((a, b) => compare(a.id, b.id)),
    sqlServerGroups: [...groups.values()].map((g) => g.resolved).sort((a, b) => compare(a.name, b.name)),
    ...(salted && { masking: { salt: input.masking.salt } }),
  };
  checkOutputTopics(resolved, problems);
  return resolved;
}

/** A group as resolved, with its place in the file for messages. */
interface GroupEntry {
  readonly resolved: ResolvedSqlServerGroup;
  readonly index: number;
}

/** `sqlServerGroups` with their defaults applied, by name; groups the schema rejected are left out. */
function resolveGroups(input: Record<string, any>, problems: Problems, clusterNames: readonly string[]): Map<string, GroupEntry> {
  const groups = new Map<string, GroupEntry>();
  (Array.isArray(input.sqlServerGroups) ? input.sqlServerGroups : []).forEach((raw: unknown, index: number) => {
    const path = ['sqlServerGroups', index];
    if (!isObject(raw) || problems.hasFailed(path)) return;
    if (groups.has(raw.name)) {
      problems.add([...path, 'name'], `${show(raw.name)} is used by sqlServerGroups[${groups.get(raw.name)!.index}] too; every group needs its own name`);
      return;
    }
    if (raw.connect !== undefined && !clusterNames.includes(raw.connect)) {
      problems.add([...path, 'connect'], `there is no Connect cluster ${show(raw.connect)}; use one of: ${clusterNames.join(', ')}`);
      return;
    }
    const mode = raw.snapshotMode ?? DEFAULTS.snapshotMode;
    if (!rules.SNAPSHOT_MODES.sqlserver.includes(mode)) {
      problems.add([...path, 'snapshotMode'], `the sqlserver connector has no snapshot mode ${show(mode)}; use one of: ${rules.SNAPSHOT_MODES.sqlserver.join(', ')}`);
      return;
    }
    groups.set(raw.name, {
      index,
      resolved: {
        name: raw.name,
        host: raw.host,
        port: raw.port ?? rules.DEFAULT_PORTS.sqlserver,
        credentials: {
          secret: raw.credentials.secret,
          usernameKey: raw.credentials.usernameKey ?? DEFAULTS.usernameKey,
          passwordKey: raw.credentials.passwordKey ?? DEFAULTS.passwordKey,
          ...(raw.credentials.version !== undefined && { version: String(raw.credentials.version) }),
        },
        tasks: raw.tasks ?? 1,
        connect: raw.connect ?? placeTenant(raw.name, clusterNames),
        snapshotMode: mode,
        state: raw.state ?? DEFAULTS.state,
      },
    });
  });
  return groups;
}

/** Fields a grouped tenant takes from its group, so it must not set them itself. */
const SET_BY_GROUP: ReadonlyArray<readonly [string, string?]> = [
  ['database', 'host'], ['database', 'port'], ['credentials'], ['snapshotMode'], ['state'], ['connect'], ['topicPartitions'], ['heartbeatIntervalMs'],
];

/**
 * A group's tenants share one connector: its `table.include.list` matches `schema.table` in every one of
 * their databases, so they must capture the same tables; a group name is a connector name and a
 * `topic.prefix`, so no tenant may have it as its id.
 */
function checkGroups(input: Record<string, any>, groups: ReadonlyMap<string, GroupEntry>, tenants: readonly ResolvedTenant[], problems: Problems): void {
  for (const [name, { index }] of groups) {
    if (tenants.some((t) => t.id === name)) {
      problems.add(['sqlServerGroups', index, 'name'], `${show(name)} is also a tenant id; a group's connector and topics are named after the group, so choose another name`);
    }
    const members = tenants.filter((t) => t.group === name);
    const [first, ...others] = members;
    const captured = (t: ResolvedTenant) => JSON.stringify([[...t.tables].map((n) => n.toLowerCase()).sort(), [...t.columns].sort((a, b) => compare(a.table, b.table))]);
    for (const other of others) {
      const differs = captured(first) !== captured(other);
      if (differs) {
        const at = input.tenants.findIndex((raw: any) => isObject(raw) && raw.id === other.id);
        problems.add(['tenants', at, 'tables'], `tenant ${other.id} captures ${show(other.tables)} but ${first.id}, in the same group ${name}, captures ${show(first.tables)}`
          + `${other.columns.length + first.columns.length > 0 ? ' (or other column rules)' : ''}; `
          + 'one connector captures the same schema.table in every database of its group, so give every tenant of the group the same tables');
      }
    }
  }
}

/**
 * Snapshot modes newer than the Debezium release of the cluster that runs them (SNAPSHOT_MODES_SINCE): that
 * release's connector refuses the value, and Strimzi would report the connector NotReady after the deploy.
 */
function checkSnapshotModeReleases(input: Record<string, any>, clusters: readonly ResolvedConnectCluster[], groups: ReadonlyMap<string, GroupEntry>,
  tenants: readonly ResolvedTenant[], problems: Problems): void {
  // the path is found only for a mode that is refused: a search per tenant would cost O(tenants²)
  const check = (pathOf: () => Path, who: string, kind: rules.DatabaseKindName, mode: string, connect: string) => {
    const since = SNAPSHOT_MODES_SINCE[kind]?.[mode];
    if (since === undefined) return;
    const cluster = clusters.find((c) => c.name === connect);
    if (!cluster) return;
    const release = pluginVersion(kind, cluster.debeziumVersion);
    if (compareDebeziumVersions(release, since) >= 0) return;
    const path = pathOf();
    const older = rules.SNAPSHOT_MODES[kind].filter((m) => SNAPSHOT_MODES_SINCE[kind]?.[m] === undefined);
    const instead = mode.endsWith('_no_data') && older.includes(mode.slice(0, -'_no_data'.length)) ? mode.slice(0, -'_no_data'.length) : older[0];
    problems.add(path, `${show(mode)} is read by Debezium ${since} and later, but ${who} runs on Connect cluster ${connect} with Debezium ${release}, `
      + `whose ${kind} connector refuses it; use ${show(instead)}, or set ${connect === clusters[0].name ? 'debezium.version' : `the cluster's debezium.version`} to ${since} or later`);
  };
  for (const { resolved, index } of groups.values()) {
    check(() => ['sqlServerGroups', index, 'snapshotMode'], `group ${resolved.name}`, 'sqlserver', resolved.snapshotMode, resolved.connect);
  }
  const defaults = isObject(input.defaults) ? input.defaults : {};
  for (const tenant of tenants.filter((t) => t.group === undefined)) {
    const pathOf = (): Path => {
      const index = input.tenants.findIndex((raw: unknown) => isObject(raw) && raw.id === tenant.id);
      const own = isObject(input.tenants[index]) && input.tenants[index].snapshotMode !== undefined;
      return own || defaults.snapshotMode === undefined ? ['tenants', index, 'snapshotMode'] : ['defaults', 'snapshotMode'];
    };
    check(pathOf, `tenant ${tenant.id}`, tenant.database.kind, tenant.snapshotMode, tenant.connect);
  }
}

/** The first Connect cluster and `connect.clusters`, each inheriting what it does not set from the first. */
function resolveClusters(input: Record<string, any>, problems: Problems): ResolvedConnectCluster[] {
  const connect = isObject(input.connect) ? input.connect : {};
  const version = (isObject(input.debezium) ? input.debezium.version : undefined) ?? DEFAULTS.debeziumVersion;
  const kafka = isObject(input.kafka) ? input.kafka : {};
  const first: ResolvedConnectCluster = {
    name: connect.name ?? DEFAULTS.connectName,
    ...(connect.replicas !== undefined && { replicas: connect.replicas }),
    ...(connect.memory !== undefined && { memory: connect.memory }),
    cpu: connect.cpu ?? DEFAULTS.connectCpu,
    ...(connect.image !== undefined && { image: connect.image }),
    ...(connect.build !== undefined && { build: connect.build }),
    debeziumVersion: version,
    kafka: clientConnection(kafka, connect.kafkaAuth),
  };
  const clusters = [first];
  (Array.isArray(connect.clusters) ? connect.clusters : []).forEach((raw: unknown, index: number) => {
    if (!isObject(raw) || typeof raw.name !== 'string' || problems.hasFailed(['connect', 'clusters', index])) return;
    const same = clusters.find((c) => c.name === raw.name);
    if (same) {
      problems.add(['connect', 'clusters', index, 'name'], `${show(raw.name)} is ${same === first ? 'the name of the first cluster (connect.name)' : 'used twice'}; `
        + 'every Connect cluster needs its own name (it is its group id and the prefix of its storage topics)');
      return;
    }
    const image = raw.image ?? first.image;
    const build = raw.build ?? first.build;
    clusters.push({
      name: raw.name,
      ...((raw.replicas ?? first.replicas) !== undefined && { replicas: raw.replicas ?? first.replicas }),
      ...((raw.memory ?? first.memory) !== undefined && { memory: raw.memory ?? first.memory }),
      cpu: raw.cpu ?? first.cpu,
      ...(image !== undefined && { image }),
      ...(build !== undefined && { build }),
      debeziumVersion: (isObject(raw.debezium) ? raw.debezium.version : undefined) ?? version,
      kafka: clientConnection(kafka, raw.kafkaAuth ?? connect.kafkaAuth),
    });
  });
  return clusters;
}

/**
 * The connection of one client: the brokers and TLS of `kafka`, and its own credentials (`kafkaAuth`) with
 * `kafka.auth`'s mechanism, else `kafka.auth` itself.
 */
function clientConnection(kafka: Record<string, any>, own: unknown): KafkaConnection {
  const shared = isObject(kafka.auth) ? kafka.auth as KafkaAuth : undefined;
  const auth: KafkaAuth | undefined = shared && isObject(own)
    ? { mechanism: shared.mechanism, username: own.username, passwordSecret: own.passwordSecret, ...(own.principal !== undefined && { principal: own.principal }) }
    : shared;
  return {
    bootstrapServers: kafka.bootstrapServers,
    ...(auth && { auth }),
    ...(isObject(kafka.tls) && { tls: kafka.tls }),
  };
}

/** Rules of the Kafka access settings that the schema cannot check alone. */
function checkKafkaAccess(input: Record<string, any>, problems: Problems): void {
  const kafka = input.kafka as Record<string, any>;
  const connect = isObject(input.connect) ? input.connect : {};
  const owners: Array<[Path, unknown]> = [
    [['connect', 'kafkaAuth'], connect.kafkaAuth],
    ...(Array.isArray(connect.clusters) ? connect.clusters : []).map((c: any, i: number): [Path, unknown] => [['connect', 'clusters', i, 'kafkaAuth'], isObject(c) ? c.kafkaAuth : undefined]),
    [['processor', 'kafkaAuth'], isObject(input.processor) ? input.processor.kafkaAuth : undefined],
  ];
  if (!isObject(kafka.auth)) {
    for (const [path, own] of owners) {
      if (own !== undefined && !problems.hasFailed(path)) {
        problems.add(path, 'the brokers take no SASL: set kafka.auth (its mechanism is every client\'s) before giving a client credentials of its own');
      }
    }
  }
  const users = isObject(kafka.acls) && isObject(kafka.acls.kafkaUsers) ? kafka.acls.kafkaUsers : undefined;
  if (!users || problems.hasFailed(['kafka', 'acls'])) return;
  if (!isObject(kafka.auth)) {
    problems.add(['kafka', 'acls', 'kafkaUsers'], 'KafkaUsers are SASL users with ACLs, and kafka.auth is not set; set kafka.auth (scram-sha-512 for a Strimzi-managed Kafka) or remove kafkaUsers');
    return;
  }
  // Strimzi's User Operator names the principal after the KafkaUser: User:<metadata.name>. kafka.auth makes a
  // KafkaUser only when some client logs in with it (one without credentials of its own).
  const sharedUsed = connect.kafkaAuth === undefined || !isObject(input.processor) || input.processor.kafkaAuth === undefined;
  const usersNamespace = typeof users.namespace === 'string' ? users.namespace : input.namespace;
  const candidates: Array<[Path, unknown]> = [...(sharedUsed ? [[['kafka', 'auth'], kafka.auth] as [Path, unknown]] : []), ...owners];
  for (const [path, auth] of candidates) {
    if (!isObject(auth) || problems.hasFailed(path)) continue;
    // the User Operator writes a Secret named after the user into its namespace: it would replace the client's own
    if (kafka.auth.mechanism === 'scram-sha-512' && usersNamespace === input.namespace && isObject(auth.passwordSecret) && auth.passwordSecret.name === auth.username) {
      problems.add([...path, 'passwordSecret', 'name'], `${show(auth.passwordSecret.name)} is also the user name, and Strimzi's User Operator writes a Secret of that name `
        + 'for the KafkaUser, which would replace this one; name the password\'s Secret differently, e.g. "' + String(auth.username) + '-password"');
    }
    if (typeof auth.username === 'string' && !rules.DNS_SUBDOMAIN.test(auth.username)) {
      problems.add([...path, 'username'], `${show(auth.username)} cannot name a KafkaUser (a lowercase DNS-1123 subdomain), and Strimzi's user name is the KafkaUser's name; `
        + 'choose a user name such as "cdc-connect", or remove kafka.acls.kafkaUsers');
    }
    if (auth.principal !== undefined && auth.principal !== `User:${auth.username}`) {
      problems.add([...path, 'principal'], `${show(auth.principal)}: a KafkaUser's principal is always User:<its user name>, here "User:${String(auth.username)}"; remove principal`);
    }
  }
}

/** Where a merged value came from: the tenant itself, else `defaults`. */
function pick(raw: Record<string, any>, defaults: Record<string, any>, index: number, field: string, sub?: string) {
  const own = sub ? (isObject(raw[field]) ? raw[field][sub] : undefined) : raw[field];
  if (own !== undefined) return { value: own, path: sub ? ['tenants', index, field, sub] : ['tenants', index, field] };
  const inherited = sub ? (isObject(defaults[field]) ? defaults[field][sub] : undefined) : defaults[field];
  return { value: inherited, path: sub ? ['defaults', field, sub] : ['defaults', field] };
}

function resolveTenant(raw: Record<string, any>, defaults: Record<string, any>, index: number, problems: Problems,
  clusterNames: readonly string[], groups: ReadonlyMap<string, GroupEntry>, salted: boolean): ResolvedTenant | undefined {
  if (raw.group !== undefined) return resolveGroupedTenant(raw, defaults, index, problems, groups, salted);
  const at = (field: string, sub?: string) => pick(raw, defaults, index, field, sub);
  const kind = at('database', 'kind');
  const host = at('database', 'host');
  // a default port belongs to the default kind: a postgres tenant must not inherit SQL Server's 1433
  const defaultsKind = isObject(defaults.database) ? defaults.database.kind ?? DEFAULTS.kind : DEFAULTS.kind;
  const portFromDefaults = at('database', 'port').path[0] === 'defaults' && (kind.value ?? DEFAULTS.kind) !== defaultsKind;
  const port = portFromDefaults ? { value: undefined, path: ['tenants', index, 'database', 'port'] } : at('database', 'port');
  const name = at('database', 'name');
  const secret = at('credentials', 'secret');
  const tables = at('tables');
  const snapshotMode = at('snapshotMode');
  let ok = true;

  const required: Array<[{ value: unknown; path: Path }, string, string]> = [
    [host, 'database.host', 'the database server\'s host name'],
    [name, 'database.name', 'the name of the database to capture'],
    [secret, 'credentials.secret', 'the name of the Secret holding the database user name and password'],
    [tables, 'tables', 'the tables to capture, as schema.table'],
  ];
  for (const [field, label, what] of required) {
    if (field.value === undefined) {
      problems.add(['tenants', index, ...label.split('.')], `required: set ${what} here or in defaults.${label}`);
      ok = false;
    } else if (problems.hasFailed(field.path)) {
      ok = false;
    }
  }
  const pinned = at('connect');
  const optional = [kind, port, snapshotMode, at('state'), at('credentials', 'usernameKey'), at('credentials', 'passwordKey'), pinned,
    at('topicPartitions'), at('heartbeatIntervalMs')];
  if (optional.some((f) => problems.hasFailed(f.path))) ok = false;
  if (pinned.value !== undefined && !problems.hasFailed(pinned.path) && !clusterNames.includes(pinned.value)) {
    const close = clusterNames.filter((c) => editDistance(c, pinned.value) <= 2);
    problems.add(pinned.path, `there is no Connect cluster ${show(pinned.value)}${pinned.path[0] === 'defaults' ? ` (tenant ${raw.id})` : ''}; `
      + `${close.length > 0 ? `did you mean "${close[0]}"? ` : ''}use one of: ${clusterNames.join(', ')} (connect.name and connect.clusters[].name)`);
    ok = false;
  }
  if (problems.hasFailed(['tenants', index]) || problems.hasFailed(['defaults'])) ok = false;
  if (!ok) return undefined;

  const kindName = (kind.value ?? DEFAULTS.kind) as rules.DatabaseKindName;
  const mode = (snapshotMode.value ?? DEFAULTS.snapshotMode) as string;
  if (!rules.SNAPSHOT_MODES[kindName].includes(mode)) {
    problems.add(snapshotMode.path, `the ${kindName} connector has no snapshot mode ${show(mode)}${snapshotMode.path[0] === 'defaults' ? ` (tenant ${raw.id})` : ''}; `
      + `use one of: ${rules.SNAPSHOT_MODES[kindName].join(', ')}`);
    ok = false;
  }
  const resolvedTables = resolveTables(tables.value as TableEntry[], tables.path, (path, message) => problems.add(path, message),
    { tenant: raw.id, kind: kindName, database: name.value, hasSalt: salted });
  if (!resolvedTables) ok = false;
  if (!ok) return undefined;

  return {
    id: raw.id,
    database: { kind: kindName, host: host.value, port: port.value ?? rules.DEFAULT_PORTS[kindName], name: name.value },
    credentials: {
      secret: secret.value,
      usernameKey: at('credentials', 'usernameKey').value ?? DEFAULTS.usernameKey,
      passwordKey: at('credentials', 'passwordKey').value ?? DEFAULTS.passwordKey,
      ...(at('credentials', 'version').value !== undefined && { version: String(at('credentials', 'version').value) }),
    },
    tables: resolvedTables!.names,
    columns: resolvedTables!.columns,
    snapshotMode: mode,
    state: at('state').value ?? DEFAULTS.state,
    connect: pinned.value ?? placeTenant(raw.id, clusterNames),
    topicPartitions: at('topicPartitions').value ?? DEFAULTS.topicPartitions,
    heartbeatIntervalMs: at('heartbeatIntervalMs').value ?? DEFAULTS.heartbeatIntervalMs,
  };
}

/** A tenant of a SQL Server group: its database name and tables are its own, the rest comes from the group. */
function resolveGroupedTenant(raw: Record<string, any>, defaults: Record<string, any>, index: number, problems: Problems,
  groups: ReadonlyMap<string, GroupEntry>, salted: boolean): ResolvedTenant | undefined {
  if (problems.hasFailed(['tenants', index])) return undefined;
  const entry = groups.get(raw.group);
  if (!entry) {
    problems.add(['tenants', index, 'group'], groups.size === 0 ? `there is no SQL Server group ${show(raw.group)}; define it under sqlServerGroups`
      : `there is no SQL Server group ${show(raw.group)}; use one of: ${[...groups.keys()].join(', ')} (sqlServerGroups[].name)`);
    return undefined;
  }
  const group = entry.resolved;
  let ok = true;
  for (const [field, sub] of SET_BY_GROUP) {
    const own = sub ? (isObject(raw[field]) ? raw[field][sub] : undefined) : raw[field];
    if (own === undefined) continue;
    const why = field === 'state'
      ? `a group's databases share one connector, which runs, pauses or stops as a whole; set sqlServerGroups[${entry.index}].state, or take the tenant out of the group`
      : `the group sets it (sqlServerGroups[${entry.index}]); remove it here`;
    problems.add(['tenants', index, field, ...(sub ? [sub] : [])], `tenant ${raw.id} is in SQL Server group ${group.name}: ${why}`);
    ok = false;
  }
  const ownKind = isObject(raw.database) ? raw.database.kind : undefined;
  if (ownKind !== undefined && ownKind !== 'sqlserver') {
    problems.add(['tenants', index, 'database', 'kind'], `tenant ${raw.id} is in SQL Server group ${group.name}, so its database is a SQL Server one, not ${show(ownKind)}`);
    ok = false;
  }
  const name = pick(raw, defaults, index, 'database', 'name');
  const tables = pick(raw, defaults, index, 'tables');
  if (name.value === undefined) {
    problems.add(['tenants', index, 'database', 'name'], 'required: set the name of the database to capture');
    ok = false;
  }
  if (tables.value === undefined) {
    problems.add(['tenants', index, 'tables'], 'required: set the tables to capture, as schema.table, here or in defaults.tables');
    ok = false;
  }
  if (!ok || problems.hasFailed(name.path) || problems.hasFailed(tables.path)) return undefined;
  const resolvedTables = resolveTables(tables.value as TableEntry[], tables.path, (path, message) => problems.add(path, message),
    { tenant: raw.id, kind: 'sqlserver', database: name.value, hasSalt: salted });
  if (!resolvedTables) return undefined;
  return {
    id: raw.id,
    database: { kind: 'sqlserver', host: group.host, port: group.port, name: name.value },
    credentials: group.credentials,
    tables: resolvedTables.names,
    columns: resolvedTables.columns,
    snapshotMode: group.snapshotMode,
    state: group.state,
    connect: group.connect,
    topicPartitions: pick(raw, defaults, index, 'topicPartitions').value ?? DEFAULTS.topicPartitions,
    heartbeatIntervalMs: pick(raw, defaults, index, 'heartbeatIntervalMs').value ?? DEFAULTS.heartbeatIntervalMs,
    group: group.name,
  };
}

/** Rules across tenants: unique ids, and no two tenants capturing one database. */
function checkAcrossTenants(rawTenants: unknown[], tenants: readonly ResolvedTenant[], problems: Problems): void {
  const firstIndexOfId = new Map<string, number>();
  rawTenants.forEach((raw, index) => {
    if (!isObject(raw) || typeof raw.id !== 'string') return;
    const first = firstIndexOfId.get(raw.id);
    if (first === undefined) firstIndexOfId.set(raw.id, index);
    else problems.add(['tenants', index, 'id'], `duplicate tenant id ${show(raw.id)}, first used by tenants[${first}]; every tenant needs its own id`);
  });

  const indexOf = (id: string) => firstIndexOfId.get(id)!;
  const byDatabase = new Map<string, ResolvedTenant>();
  for (const tenant of [...tenants].sort((a, b) => indexOf(a.id) - indexOf(b.id))) {
    const db = tenant.database;
    const key = rules.databaseIdentity(db);
    const other = byDatabase.get(key);
    if (other) {
      problems.add(['tenants', indexOf(tenant.id), 'database'], `captures the same database as tenants[${indexOf(other.id)}] (${other.id}): `
        + `${show(`${db.host}:${db.port}/${db.name}`)}; two connectors on one database duplicate every event, so give each tenant its own database`);
    } else {
      byDatabase.set(key, tenant);
    }
  }
}

/** The processor must not read its own output back as a change topic. */
function checkOutputTopics(file: ResolvedTenantsFile, problems: Problems): void {
  // the topic prefixes: a tenant's id, or its SQL Server group's name
  const tenants = [...file.tenants.filter((t) => t.group === undefined).map((t) => ({ id: t.id, kind: t.database.kind })),
    ...file.sqlServerGroups.map((g) => ({ id: g.name, kind: 'sqlserver' as const }))];
  for (const topic of [file.processor.outputTopic, `${file.processor.outputTopic}.dlq`]) {
    if (isDataTopic(topic, tenants)) {
      problems.add(['processor', 'outputTopic'], `${show(topic)} looks like a change topic of tenant ${show(topic.split('.')[0])}, so the processor would read `
        + 'its own output; choose an output topic that does not start with a tenant id, e.g. "cdc.events"');
      return;
    }
  }
  // Connect may write every topic under `<prefix>.` and the schema change topic `<prefix>` (its ACLs), so the
  // final topic and its DLQ must be outside them all
  for (const topic of [file.processor.outputTopic, `${file.processor.outputTopic}.dlq`]) {
    const owner = tenants.find((t) => topic === t.id || topic.startsWith(`${t.id}.`));
    if (owner) {
      problems.add(['processor', 'outputTopic'], `${show(topic)} ${topic === owner.id ? 'is' : 'starts with'} "${owner.id}${topic === owner.id ? '' : '.'}", `
        + `a topic name of connector ${show(owner.id)}: Connect's ACLs would let it write ${topic === file.processor.outputTopic ? 'the final topic' : 'the dead-letter topic'}, `
        + 'and the processor would read it; choose an output topic that does not start with a tenant id or group name and a dot, e.g. "cdc.events"');
      return;
    }
  }
}
