import { z } from 'zod';
import { DEFAULT_ALERT_THRESHOLDS as ALERT_DEFAULTS } from '../monitoring/thresholds';
import * as rules from './rules';

/**
 * The tenants file (contract 1 of DESIGN.md) as one zod schema: the TypeScript types, the runtime
 * checks and the published JSON Schema (`tenants.schema.json`) all come from here.
 *
 * Field checks live in this schema; checks that need the merged tenant (defaults applied) or several
 * tenants at once live in `validate.ts`. Every object is strict: an unknown field is an error.
 */

/** Shows a bad value the way the user wrote it. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function patterned(pattern: RegExp, what: string, fix: string, maxLength?: number) {
  const base = z.string().min(1, { error: `must not be empty; ${fix}` });
  const bounded = maxLength === undefined ? base : base.max(maxLength, {
    error: (iss) => `${what} of at most ${maxLength} characters, got ${show(iss.input)} (${String(iss.input).length}); ${fix}`,
  });
  return bounded.regex(pattern, { error: (iss) => `${what}, got ${show(iss.input)}; ${fix}` });
}

function integer(min: number, max: number, what: string) {
  return z.number().int({ error: (iss) => `${what} must be a whole number, got ${show(iss.input)}` })
    .min(min, { error: (iss) => `${what} must be at least ${min}, got ${show(iss.input)}` })
    .max(max, { error: (iss) => `${what} must be at most ${max}, got ${show(iss.input)}` });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, { error: (iss) => `${show(iss.input)} is not a valid ${what}; use one of: ${values.join(', ')}` });
}

const dnsLabel = (what: string, max = 63) => patterned(rules.DNS_LABEL, `${what} must be a DNS-1123 label (lowercase letters, digits and '-', `
  + 'starting and ending with a letter or digit)', 'rename it, e.g. "acme-prod"', max);

const secretName = patterned(rules.DNS_SUBDOMAIN,
  'a Secret name must be a DNS-1123 subdomain (lowercase letters, digits, \'-\' and \'.\')', 'use the exact name of the existing Secret', 253);

const secretKey = patterned(rules.SECRET_KEY, 'a Secret key may hold only letters, digits, \'-\', \'_\' and \'.\'',
  'use the key under `data:` in the Secret', 253);

const topicName = patterned(rules.KAFKA_TOPIC, 'a Kafka topic name may hold only letters, digits, \'.\', \'_\' and \'-\'',
  'e.g. "cdc.events"', 249).refine((t) => t !== '.' && t !== '..', { error: 'a Kafka topic cannot be named "." or ".."' });

const image = patterned(rules.IMAGE_REFERENCE, 'a container image reference has no spaces or scheme',
  'write it as registry/repository:tag, e.g. "registry.example.com/connect-debezium:3.6"');

const bootstrapServers = z.string().min(1, { error: 'must not be empty; list the brokers as host:port,host:port' }).superRefine((value, ctx) => {
  for (const server of value.split(',')) {
    const match = rules.HOST_PORT.exec(server);
    if (!match) {
      ctx.addIssue({ code: 'custom', input: value, message: `${show(server)} is not host:port; write the brokers as host:port,host:port with no spaces` });
    } else if (Number(match[1]) < 1 || Number(match[1]) > 65535) {
      ctx.addIssue({ code: 'custom', input: value, message: `port ${match[1]} of ${show(server)} is out of range; use a port from 1 to 65535` });
    }
  }
});

const saslUsername = z.string().min(1, { error: 'must not be empty; use the SASL user name, e.g. a Confluent Cloud API key' })
  .regex(/^[^"\\\s]+$/, { error: (iss) => `a SASL user name cannot hold quotes, backslashes or spaces (they break the JAAS config), got ${show(iss.input)}` })
  .meta({ description: 'SASL user name, e.g. a Confluent Cloud API key. Not a secret.' });

const passwordSecret = z.strictObject({
  name: secretName.meta({ description: 'Existing Secret in the namespace.' }),
  key: secretKey.meta({ description: 'Key in that Secret holding the password (e.g. the API secret).' }),
}).meta({ description: 'Where the SASL password is; its value is never written to the output.' });

const principal = z.string().regex(rules.KAFKA_PRINCIPAL, {
  error: (iss) => `${show(iss.input)} is not a Kafka principal; write User: and the name, e.g. "User:sa-1a2b3c" (a Confluent Cloud service account) or "User:cdc-connect"`,
}).meta({
  description: 'The principal the broker sees for these credentials, which the ACLs name: on Apache Kafka and Strimzi `User:<username>` (the default); '
    + 'on Confluent Cloud the service account that owns the API key, e.g. `User:sa-1a2b3c`.',
});

/** Credentials of one Kafka client: the mechanism and TLS are `kafka.auth`'s, shared by every client. */
const clientCredentials = {
  username: saslUsername,
  passwordSecret,
  principal,
};

const kafkaAuth = z.strictObject({
  mechanism: oneOf(rules.SASL_MECHANISMS, 'SASL mechanism').meta({ description: 'SASL mechanism, always over TLS (SASL_SSL).' }),
  ...clientCredentials,
}).partial({ principal: true })
  .meta({ description: 'SASL authentication; absent means PLAINTEXT (an in-cluster Kafka). The credentials of every client that has none of its own (`kafkaAuth`).' });

/** A client's own credentials, so that its ACLs are its own (docs/kafka-access.md). */
const clientAuth = z.strictObject(clientCredentials).partial({ principal: true })
  .meta({ description: 'This client\'s own SASL credentials (its own service account and ACLs); the mechanism and TLS are those of `kafka.auth`. By default `kafka.auth`.' });

const kafkaTls = z.strictObject({
  caSecret: z.strictObject({
    name: secretName.meta({ description: 'Existing Secret in the namespace, e.g. a copy of a Strimzi cluster\'s `<cluster>-cluster-ca-cert`.' }),
    key: secretKey.meta({ description: 'Key of the PEM certificate(s) in that Secret, e.g. `ca.crt`.' }),
  }).meta({ description: 'The CA that signed the brokers\' certificates, when it is a private one; Connect, its schema history clients and the processor trust it.' }),
}).partial().meta({
  description: 'TLS to the brokers. With `auth` TLS is always on and public CAs are trusted (right for Confluent Cloud); set `caSecret` for a private CA '
    + '(a Strimzi-managed or on-premises Kafka), or `tls: {}` alone for TLS without SASL.',
});

const kafkaAcls = z.strictObject({
  kafkaUsers: z.strictObject({
    cluster: dnsLabel('the Kafka cluster name').meta({ description: 'The Strimzi Kafka cluster (its `metadata.name`): the KafkaUsers\' label `strimzi.io/cluster`.' }),
    namespace: dnsLabel('a namespace').meta({ description: 'Namespace the User Operator watches (the Kafka cluster\'s). With scram-sha-512 the password Secrets must exist there too.', default: 'the tenants namespace' }),
  }).partial({ namespace: true })
    .meta({ description: 'Opt-in: a KafkaUser (`kafka.strimzi.io/v1`, `authorization.type: simple`) per principal, with exactly the ACLs it needs, for a Strimzi-managed Kafka.' }),
}).partial().meta({ description: 'The ACLs each principal needs, as Kubernetes objects; `npm run acls` lists them for any Kafka (docs/kafka-access.md).' });

const budget = z.strictObject({
  topics: integer(1, 1_000_000, 'kafka.budget.topics').meta({ description: 'The most topics the output may need.' }),
  partitions: integer(1, 10_000_000, 'kafka.budget.partitions')
    .meta({ description: 'The most partitions (before replication) the output may need, e.g. 4096 on a Confluent Cloud Standard cluster.' }),
  clients: integer(1, 1_000_000, 'kafka.budget.clients').meta({ description: 'The most Kafka clients Connect may run (each holds connections to brokers).' }),
}).partial().meta({ description: 'Limits of the Kafka cluster; synth fails when the output needs more (docs/fleets.md: Kafka footprint).' });

const kafka = z.strictObject({
  bootstrapServers: bootstrapServers.meta({ description: 'Comma list of host:port.' }),
  auth: kafkaAuth.optional(),
  tls: kafkaTls.optional(),
  acls: kafkaAcls.optional(),
  budget: budget.optional(),
}).meta({ description: 'The Kafka cluster Connect and the processor use.' });

const debeziumVersion = z.string().regex(rules.DEBEZIUM_VERSION, {
  error: (iss) => `${show(iss.input)} is not a Debezium release version; write it as on Maven Central, e.g. "3.6.1.Final"`,
}).refine((v) => Number(rules.DEBEZIUM_VERSION.exec(v)?.[1]) >= 3, {
  error: (iss) => `Debezium ${show(iss.input)} is older than 3.0: tenant-cdc writes Debezium 3 keys only; use 3.6.1.Final or later`,
});

const debezium = z.strictObject({
  version: debeziumVersion.meta({ description: 'Debezium version of the plugins Strimzi builds.', default: '3.6.1.Final' }),
}).partial().meta({ description: 'Debezium plugin settings.' });

const connectName = dnsLabel('the Connect cluster name', rules.MAX_CONNECT_NAME_LENGTH);

/** What every Connect cluster may set; extra clusters inherit the first cluster's values. */
const connectSettings = {
  replicas: integer(0, 100, 'connect.replicas')
    .meta({ description: 'Number of Connect workers; by default sized from the cluster\'s connectors (docs/fleets.md: Sizing).' }),
  memory: z.string().regex(rules.MEMORY_QUANTITY, { error: (iss) => `${show(iss.input)} is not a memory quantity; write e.g. "2Gi" or "1536Mi"` })
    .meta({ description: 'Memory of each worker (the JVM heap gets 75 %); by default sized from the cluster\'s connectors (docs/fleets.md: Sizing).' }),
  cpu: z.string().regex(rules.CPU_QUANTITY, { error: (iss) => `${show(iss.input)} is not a CPU quantity; write e.g. "500m" or "2"` })
    .meta({ description: 'CPU each worker requests.', default: '500m' }),
  image: image.meta({ description: 'A prebuilt Connect image that holds the Debezium plugins. With `build` it is the base image.' }),
  build: z.strictObject({
    image: image.meta({ description: 'Image Strimzi builds (with the Debezium plugins of the database kinds in use) and pushes.' }),
    pushSecret: secretName.optional().meta({ description: 'Secret (kubernetes.io/dockerconfigjson) used to push the image.' }),
  }).meta({ description: 'Have Strimzi build the Connect image with the Debezium plugins from Maven Central.' }),
  kafkaAuth: clientAuth,
};

const connectCluster = z.strictObject({
  name: connectName.meta({ description: 'KafkaConnect name of this cluster; also its group id and storage-topic prefix. Never rename it.' }),
  ...connectSettings,
  debezium: debezium.optional().meta({ description: 'Debezium settings of this cluster only, e.g. a newer version to try on one cluster first.' }),
}).partial({ replicas: true, memory: true, cpu: true, image: true, build: true, debezium: true, kafkaAuth: true })
  .meta({ description: 'A further Connect cluster (shard); unset fields inherit from `connect`.' });

const connect = z.strictObject({
  name: connectName
    .meta({ description: 'KafkaConnect name; also the Connect group id and the prefix of its storage topics.', default: 'tenant-cdc' }),
  ...connectSettings,
  clusters: z.array(connectCluster).meta({
    description: 'More Connect clusters beside the first. Tenants without `connect:` are placed by a stable hash of their id over all clusters.',
  }),
}).partial().meta({ description: 'The Kafka Connect cluster (and any further shards); every field is optional.' });

const processor = z.strictObject({
  image: image.meta({ description: 'Event processor image (built from the repository Dockerfile).' }),
  replicas: integer(0, 100, 'processor.replicas').meta({ description: 'Number of processor pods.', default: 2 }),
  outputTopic: topicName.meta({ description: 'The final topic; the dead-letter topic is `<outputTopic>.dlq`.', default: 'cdc.events' }),
  kafkaAuth: clientAuth,
}).partial().meta({ description: 'The event processor Deployment; every field is optional.' });

/** Kubernetes label keys (optional DNS prefix and '/') and values, for the monitoring objects' labels. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

const monitoring = z.strictObject({
  alerts: z.boolean().meta({ description: 'PrometheusRules with every tenant\'s alerts: one per Connect cluster, one for the processor.', default: true }),
  podMonitors: z.boolean().meta({ description: 'A PodMonitor per Connect cluster and a ServiceMonitor for the processor, so Prometheus scrapes them.', default: true }),
  labels: z.record(
    z.string().regex(LABEL_KEY, { error: (iss) => `${show(iss.input)} is not a Kubernetes label key; write e.g. "release" or "example.com/team"` }),
    z.string().regex(LABEL_VALUE, { error: (iss) => `${show(iss.input)} is not a Kubernetes label value (at most 63 letters, digits, '-', '_' and '.')` }),
  ).meta({ description: 'Labels on every monitoring object, e.g. `release: prometheus` for a Prometheus that selects rules and monitors by label.' }),
  thresholds: z.strictObject({
    stalledMinutes: integer(1, 1440, 'monitoring.thresholds.stalledMinutes')
      .meta({ description: 'A running connector task that polled nothing, heartbeats included, for this many minutes is stalled.', default: ALERT_DEFAULTS.stalledMinutes }),
    streamingLagMinutes: integer(1, 10080, 'monitoring.thresholds.streamingLagMinutes')
      .meta({ description: 'Debezium reading changes more than this many minutes after their commit is too far behind.', default: ALERT_DEFAULTS.streamingLagMinutes }),
    snapshotHours: integer(1, 720, 'monitoring.thresholds.snapshotHours').meta({ description: 'A snapshot running longer than this many hours is too long.', default: ALERT_DEFAULTS.snapshotHours }),
    processorLag: integer(1, 1_000_000_000, 'monitoring.thresholds.processorLag')
      .meta({ description: 'The processor more than this many records behind a tenant for 15 minutes is too far behind.', default: ALERT_DEFAULTS.processorLag }),
    deadLetters: integer(0, 1_000_000_000, 'monitoring.thresholds.deadLetters')
      .meta({ description: 'More dead letters of one tenant than this within 10 minutes alert.', default: ALERT_DEFAULTS.deadLetters }),
  }).partial().meta({ description: 'When the alerts fire (docs/monitoring.md).' }),
  dashboards: z.strictObject({
    configMaps: z.boolean().meta({ description: 'A ConfigMap per dashboard, labelled for Grafana\'s dashboard sidecar.', default: true }),
    sidecarLabel: z.record(
      z.string().regex(LABEL_KEY, { error: (iss) => `${show(iss.input)} is not a Kubernetes label key; write e.g. "grafana_dashboard"` }),
      z.string().regex(LABEL_VALUE, { error: (iss) => `${show(iss.input)} is not a Kubernetes label value (at most 63 letters, digits, '-', '_' and '.')` }),
    ).refine((labels) => Object.keys(labels).length === 1, { error: 'monitoring.dashboards.sidecarLabel is one label, the one Grafana\'s sidecar selects by (its sidecar.dashboards.label and labelValue), e.g. { grafana_dashboard: "1" }' })
      .meta({ description: 'The label Grafana\'s dashboard sidecar selects ConfigMaps by.', default: { grafana_dashboard: '1' } }),
    files: z.string().min(1).meta({ description: 'A folder (outside the output folder) where synth writes the dashboards as JSON files (`<uid>.json`) for Grafana\'s import, leaving its other files; `npm run dashboards` writes them anyway.' }),
  }).partial().meta({ description: 'Opt-in: Grafana dashboards of the fleet, of one tenant and of the processor (docs/monitoring.md: Dashboards).' }),
}).partial().meta({ description: 'Opt-in: Prometheus Operator objects (monitoring.coreos.com/v1) that scrape and alert on every tenant (docs/monitoring.md).' });

const database = z.strictObject({
  kind: oneOf(rules.DATABASE_KINDS, 'database kind').meta({ description: 'The database engine.', default: 'sqlserver' }),
  host: z.string().min(1, { error: 'must not be empty; give the database server\'s host name' }).superRefine((host, ctx) => {
    if (rules.DEBEZIUM_HOSTNAME.test(host)) return;
    const fix = host.includes('\\') ? 'Debezium takes no named instance in the host: give the host only and the instance\'s TCP port in `port`'
      : host.includes(',') || host.includes(':') ? 'give the host only and the port in `port`'
        : 'use a host name or IP address (letters, digits, \'-\', \'_\' and \'.\')';
    ctx.addIssue({ code: 'custom', input: host, message: `${show(host)} is not a host name Debezium accepts; ${fix}` });
  }).meta({ description: 'Host name or IP address of the database server (no instance, no port).' }),
  port: integer(1, 65535, 'the port').meta({ description: 'Database server port; by kind 1433 (sqlserver), 5432 (postgres), 3306 (mysql, mariadb).' }),
  name: z.string().min(1, { error: 'must not be empty; give the name of the database to capture' })
    .max(128, { error: (iss) => `database names have at most 128 characters, got ${show(iss.input)}` })
    .refine((n) => n.trim() === n, { error: (iss) => `${show(iss.input)} starts or ends with a space; remove the spaces around the name` })
    .refine((n) => !n.includes(','), {
      error: (iss) => `${show(iss.input)} holds a ',', which Debezium reads as a list separator; one tenant captures one database, so give its name only`,
    })
    .meta({ description: 'The database to capture.' }),
}).partial().meta({ description: 'The tenant\'s database.' });

const credentials = z.strictObject({
  secret: secretName.meta({ description: 'Existing Secret in the namespace with the database user name and password.' }),
  usernameKey: secretKey.meta({ description: 'Key of the user name in the Secret.', default: 'username' }),
  passwordKey: secretKey.meta({ description: 'Key of the password in the Secret.', default: 'password' }),
  version: z.union([z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, { error: (iss) => `${show(iss.input)} is not a version; use letters, digits, '.', '_' or '-', e.g. "2" or "2026-11-27"` }),
    z.number().int().nonnegative()], { error: (iss) => `${show(iss.input)} is not a version; use a number or a short text such as "2026-11-27"` })
    .meta({ description: 'Change it after rotating the password in the Secret: only this connector restarts and reads the new value (docs/tenants-file.md: Credentials).' }),
}).partial().meta({ description: 'Where the database credentials are; their values never reach the output.' });

const table = z.string().superRefine((name, ctx) => {
  const parts = name.split('.');
  if (parts.length !== 2 || !parts.every((p) => rules.TABLE_NAME_PART.test(p))) {
    ctx.addIssue({
      code: 'custom', input: name,
      message: `${show(name)} is not schema.table; write one schema (mysql, mariadb: database) and one table joined by a single dot, e.g. "dbo.Orders", `
        + 'with no commas or spaces (SQL Server: no database part, it comes from database.name)',
    });
  }
});

const columnName = z.string().regex(rules.COLUMN_NAME, {
  error: (iss) => `${show(iss.input)} is not a column name; write the column alone (no table, no dots, commas or spaces), e.g. "Email"`,
});
const columnList = z.array(columnName).min(1, { error: 'needs at least one column' });
const charCounts = z.record(columnName, integer(1, 100_000, 'the number of characters'));

/** A table with column rules: what to capture of it, and what to mask at the source (docs/tenants-file.md: Columns). */
const tableWithColumns = z.strictObject({
  table: table.meta({ description: 'The table, `schema.table` (mysql, mariadb: `db.table`).' }),
  key: columnList.meta({ description: 'The table\'s primary key columns: they are always captured and never masked (the row key depends on them).' }),
  include: columnList.meta({ description: 'Capture only these columns (and the key). Not with `exclude`.' }),
  exclude: columnList.meta({ description: 'Never capture these columns. Not with `include`.' }),
  hash: columnList.meta({ description: 'Replace these columns by the hex SHA-256 of `masking.salt` + value: character columns at the source (Debezium), '
    + 'any other type (citext, numbers) in the processor, so the raw topic holds those in clear (docs/tenants-file.md: Columns).' }),
  asterisks: charCounts.meta({ description: 'Replace these columns by the given number of asterisks, e.g. { Phone: 8 }: character columns at the source (Debezium), '
    + 'any other type in the processor, so the raw topic holds those in clear (docs/tenants-file.md: Columns).' }),
  truncate: charCounts.meta({ description: 'Cut these (character) columns to the given number of characters, e.g. { Notes: 200 }.' }),
}).partial({ key: true, include: true, exclude: true, hash: true, asterisks: true, truncate: true })
  .meta({ description: 'A table to capture, with rules for its columns.' });

const tables = z.array(z.union([table, tableWithColumns], {
  error: (iss) => `${show(iss.input)} is not a table; write "schema.table", or { table: schema.table, key: [...], exclude: [...], ... } for column rules`,
})).min(1, { error: 'needs at least one table; list them as schema.table (mysql, mariadb: db.table)' })
  .meta({ description: 'Tables to capture, as `schema.table` (mysql, mariadb: `db.table`), or objects with column rules.' });

const masking = z.strictObject({
  salt: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, {
    error: (iss) => `the salt must be 16 to 128 letters, digits, '_' or '-' (it becomes part of a Debezium property name), got ${show(iss.input)}; `
      + 'e.g. the output of `openssl rand -hex 16`',
  }).meta({ description: 'Prepended to every value before hashing. It is written into the output (Debezium takes it in a property name): a pepper, not a secret (docs/tenants-file.md: Columns).' }),
}).meta({ description: 'How hashed columns are hashed.' });

const snapshotMode = z.string().superRefine((mode, ctx) => {
  const replacement = rules.REMOVED_SNAPSHOT_MODES[mode];
  if (replacement) {
    ctx.addIssue({ code: 'custom', input: mode, message: `${show(mode)} was removed in Debezium 3; use "${replacement}"` });
  } else if (!rules.ALL_SNAPSHOT_MODES.includes(mode)) {
    ctx.addIssue({ code: 'custom', input: mode, message: `${show(mode)} is not a Debezium 3 snapshot mode; use one of: ${rules.ALL_SNAPSHOT_MODES.join(', ')}` });
  }
}).meta({ description: 'Debezium 3 snapshot mode.', default: 'initial', enum: rules.ALL_SNAPSHOT_MODES });

const sqlServerGroup = z.strictObject({
  name: dnsLabel('a group name', rules.MAX_TENANT_ID_LENGTH)
    .meta({ description: 'Names the shared connector, its topic.prefix and topics; never changes (it keys the offsets). Not a tenant id.' }),
  host: database.shape.host.unwrap().meta({ description: 'The SQL Server every tenant of the group is on.' }),
  port: database.shape.port.unwrap().meta({ description: 'Its port.', default: 1433 }),
  credentials: credentials.required({ secret: true }).partial({ usernameKey: true, passwordKey: true })
    .meta({ description: 'One login for every database of the group: a Secret with its user name and password.' }),
  tasks: integer(1, 100, 'tasks').meta({ description: 'Connector tasks; the databases are spread over them.', default: 1 }),
  connect: connectName.meta({ description: 'The Connect cluster to run on; by default a stable hash of the group name picks one.' }),
  snapshotMode: snapshotMode,
  state: oneOf(rules.CONNECTOR_STATES, 'connector state').meta({ description: 'Connector state of the whole group.', default: 'running' }),
}).partial({ port: true, tasks: true, connect: true, snapshotMode: true, state: true })
  .meta({ description: 'SQL Server tenants on one server that share one multi-database connector (`database.names`).' });

/** Tenant fields that `defaults` may set too: everything but `id`. */
const tenantSettings = {
  database,
  credentials,
  tables,
  snapshotMode,
  state: oneOf(rules.CONNECTOR_STATES, 'connector state').meta({ description: 'Connector state applied by Strimzi.', default: 'running' }),
  connect: connectName.meta({ description: 'The Connect cluster to run on; by default a stable hash of the tenant id picks one.' }),
  topicPartitions: integer(1, 1000, 'topicPartitions')
    .meta({ description: 'Partitions of each change topic Connect creates (per-row order needs only one partition per key).', default: 1 }),
  heartbeatIntervalMs: integer(0, 86_400_000, 'heartbeatIntervalMs')
    .meta({ description: 'Heartbeat interval; 0 turns heartbeats off (docs/generated-objects.md: Connectors).', default: 60000 }),
};

const tenant = z.strictObject({
  id: dnsLabel('a tenant id', rules.MAX_TENANT_ID_LENGTH)
    .meta({ description: 'Unique, never changes: it names the connector, its topics and its offsets.' }),
  ...tenantSettings,
  group: dnsLabel('a group name', rules.MAX_TENANT_ID_LENGTH)
    .meta({ description: 'A SQL Server group (sqlServerGroups) whose shared connector captures this tenant\'s database.' }),
}).partial({ group: true, database: true, credentials: true, tables: true, snapshotMode: true, state: true, connect: true, topicPartitions: true, heartbeatIntervalMs: true });

/** Where Argo CD finds the output and where the Applications send it (`output.argocd`). */
const argocd = z.strictObject({
  repoURL: z.string().regex(/^(https?:\/\/|ssh:\/\/|git@)[^\s]+$/, {
    error: (iss) => `${show(iss.input)} is not a Git repository URL; write the URL Argo CD clones, e.g. "https://github.com/example/cdc-config.git"`,
  }).meta({ description: 'The Git repository that holds the output, as Argo CD knows it.' }),
  targetRevision: z.string().regex(/^[^\s]+$/, { error: (iss) => `${show(iss.input)} is not a Git revision; use a branch, tag or commit, e.g. "main"` })
    .meta({ description: 'The branch, tag or commit to sync.', default: 'HEAD' }),
  path: z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\s\\]+(?<!\/)$/, {
    error: (iss) => `${show(iss.input)} is not a relative folder in the repository; write the output folder's path from the repository root with no leading or trailing '/' and no '.' or '..', e.g. "dist"`,
  }).meta({ description: 'The output folder\'s path in the repository (where `npm run synth` writes).', default: 'dist' }),
  project: dnsLabel('an Argo CD project name').meta({ description: 'The Argo CD project of the Applications.', default: 'default' }),
  namespace: dnsLabel('a namespace').meta({ description: 'The namespace Argo CD runs in, where its Applications live.', default: 'argocd' }),
  destination: z.strictObject({
    server: z.string().regex(/^https:\/\/[^\s]+$/, {
      error: (iss) => `${show(iss.input)} is not a Kubernetes API server URL; write e.g. "https://kubernetes.default.svc" (the cluster Argo CD runs in)`,
    }).meta({ description: 'The target cluster\'s API server URL, e.g. `https://kubernetes.default.svc`. Not with `name`.' }),
    name: z.string().min(1, { error: 'must not be empty; use the cluster\'s name in Argo CD (argocd cluster list), e.g. "in-cluster"' })
      .meta({ description: 'The target cluster\'s name in Argo CD, e.g. `in-cluster`. Not with `server`.' }),
    namespace: dnsLabel('a namespace').meta({ description: 'Namespace for objects without one; by default the tenants file\'s `namespace`.' }),
  }).partial().superRefine((destination, ctx) => {
    if ((destination.server === undefined) === (destination.name === undefined)) {
      ctx.addIssue({ code: 'custom', input: destination, message: `${destination.server === undefined ? 'neither server nor name is set' : 'both server and name are set'}, got ${show(destination)}; `
        + 'set exactly one: server (e.g. "https://kubernetes.default.svc") or name (e.g. "in-cluster")' });
    }
  }).meta({ description: 'The cluster the Applications sync to: `server` or `name`, exactly one.', default: { server: 'https://kubernetes.default.svc' } }),
  syncPolicy: z.strictObject({
    automated: z.strictObject({
      prune: z.boolean().meta({ description: 'Delete objects that are no longer in the folder (a removed tenant\'s connector and Role).', default: false }),
      selfHeal: z.boolean().meta({ description: 'Undo changes made in the cluster.', default: false }),
    }).partial().meta({ description: 'Sync each folder when its files change in Git.' }),
  }).partial().meta({ description: 'Argo CD\'s sync policy of every Application; none: sync by hand.' }),
}).partial({ targetRevision: true, path: true, project: true, namespace: true, destination: true, syncPolicy: true })
  .meta({ description: 'Argo CD Applications, one per output folder, written to `argocd/` of the output (docs/argocd-and-helm.md: Split output).' });

const output = z.strictObject({
  split: oneOf(rules.OUTPUT_SPLITS, 'output split').meta({
    description: '`connect-cluster`: one folder per Connect cluster (`clusters/<name>/`) and one for what they share (`shared/`), each synced on its own; '
      + '`none`: one file.', default: 'none',
  }),
  argocd,
}).partial().superRefine((settings, ctx) => {
  if (settings.argocd !== undefined && settings.split !== 'connect-cluster') {
    ctx.addIssue({ code: 'custom', path: ['argocd'], input: settings.argocd, message: `Argo CD Applications are written per folder of a split output, but split is ${show(settings.split ?? 'none')}; `
      + 'set output.split: connect-cluster, or remove output.argocd' });
  }
}).meta({ description: 'Opt-in: how the output is laid out, and the Argo CD Applications that sync it (docs/argocd-and-helm.md: Split output).' });

/** The whole tenants file. */
export const tenantsFileSchema = z.strictObject({
  namespace: dnsLabel('a namespace').meta({ description: 'Namespace of Connect, the connectors, the RBAC and the processor.' }),
  kafka,
  connect: connect.optional(),
  debezium: debezium.optional(),
  processor: processor.optional(),
  masking: masking.optional(),
  sqlServerGroups: z.array(sqlServerGroup)
    .meta({ description: 'Opt-in: SQL Server tenants that share a server and one multi-database connector (docs/generated-objects.md: SQL Server groups).' }).optional(),
  defaults: z.strictObject(tenantSettings).partial().optional()
    .meta({ description: 'Values for every tenant field except id; a tenant\'s own values win, objects are merged.' }),
  tenants: z.array(tenant).min(1, { error: 'needs at least one tenant' }).meta({ description: 'The tenants, one database each.' }),
  monitoring: monitoring.optional(),
  output: output.optional(),
}).meta({
  title: 'tenant-cdc tenants file',
  description: 'One file lists every tenant database to capture; tenant-cdc turns it into Strimzi and Debezium manifests.',
});

/** The tenants file as written: the props of `CdcPlatform`. */
export type TenantsFile = z.input<typeof tenantsFileSchema>;
/** One entry of `tenants:` as written. */
export type TenantSpec = z.input<typeof tenant>;
/** The `defaults:` block. */
export type TenantDefaults = NonNullable<TenantsFile['defaults']>;
/** The Kafka connection settings. */
export type KafkaSettings = TenantsFile['kafka'];
/** SASL authentication for Kafka. */
export type KafkaAuthSettings = NonNullable<KafkaSettings['auth']>;

/** Connect cluster settings. */
export type ConnectSettings = NonNullable<TenantsFile['connect']>;
/** A further Connect cluster (shard). */
export type ConnectClusterSettings = NonNullable<ConnectSettings['clusters']>[number];
/** SQL Server tenants sharing one multi-database connector. */
export type SqlServerGroupSettings = NonNullable<TenantsFile['sqlServerGroups']>[number];
/** Limits of the Kafka cluster. */
export type KafkaBudget = NonNullable<KafkaSettings['budget']>;
/** Event processor settings. */
export type ProcessorSettings = NonNullable<TenantsFile['processor']>;
/** The opt-in monitoring objects and alert thresholds. */
export type MonitoringSettings = NonNullable<TenantsFile['monitoring']>;

/** How the output is laid out (`output:`). */
export type OutputSettings = NonNullable<TenantsFile['output']>;
/** The Argo CD Applications of a split output. */
export type ArgoCdSettings = NonNullable<OutputSettings['argocd']>;

/** The JSON Schema editors use to validate and complete tenants files. */
export function tenantsFileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(tenantsFileSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}
