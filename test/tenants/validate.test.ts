import { describe, expect, test } from 'vitest';
import { resolveTenantsFile, TenantsFileError } from '../../src';
import { sampleTenants } from '../support/tenants';

/** The problems a tenants file has, as the user sees them. */
function problemsOf(input: unknown): readonly string[] {
  try {
    resolveTenantsFile(input);
  } catch (error) {
    if (error instanceof TenantsFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the tenants file to be rejected');
}

function withTenant(patch: Record<string, unknown>, index = 0) {
  const file = sampleTenants() as any;
  file.tenants[index] = { ...file.tenants[index], ...patch };
  return file;
}

describe('resolving a valid tenants file', () => {
  test('applies defaults: kind and port from defaults, keys and state built in', () => {
    const resolved = resolveTenantsFile(sampleTenants());
    const acme = resolved.tenants.find((t) => t.id === 'acme')!;
    expect(acme).toEqual({
      id: 'acme',
      database: { kind: 'sqlserver', host: 'acme.example.com', port: 1433, name: 'Acme' },
      credentials: { secret: 'acme-db', usernameKey: 'username', passwordKey: 'password' },
      tables: ['dbo.Orders'],
      columns: [],
      snapshotMode: 'initial',
      state: 'running',
      connect: 'cdc-connect',
      topicPartitions: 1,
      heartbeatIntervalMs: 60000,
    });
    const kafka = { bootstrapServers: 'pkc-test.westeurope.azure.confluent.cloud:9092' };
    const connectAuth = { mechanism: 'plain', username: 'APIKEY', passwordSecret: { name: 'ccloud', key: 'api-secret' } };
    expect(resolved.connect).toEqual({ name: 'cdc-connect', cpu: '500m', build: { image: 'registry.example.com/connect:1' }, debeziumVersion: '3.6.1.Final',
      kafka: { ...kafka, auth: connectAuth } });
    expect(resolved.clusters).toEqual([resolved.connect]);
    // the processor logs in with its own credentials and kafka.auth's mechanism
    expect(resolved.processor).toEqual({ image: 'tenant-cdc-processor:0.1.0', replicas: 2, outputTopic: 'cdc.events',
      kafka: { ...kafka, auth: { mechanism: 'plain', username: 'PROCESSORKEY', passwordSecret: { name: 'ccloud-processor', key: 'api-secret' } } } });
    expect(resolved.debeziumVersion).toBe('3.6.1.Final');
  });

  test('a default port applies only to tenants of the default kind', () => {
    const resolved = resolveTenantsFile(sampleTenants());
    expect(resolved.tenants.map((t) => [t.id, t.database.port])).toEqual([['acme', 1433], ['globex', 5432], ['hooli', 3306]]);
  });

  test('tenant values win over defaults, objects are merged field by field', () => {
    const file = withTenant({ database: { host: 'a.example.com', name: 'A', port: 2000 }, credentials: { secret: 's', passwordKey: 'pw' } });
    file.defaults.credentials = { usernameKey: 'login' };
    const acme = resolveTenantsFile(file).tenants.find((t) => t.id === 'acme')!;
    expect(acme.database.port).toBe(2000);
    expect(acme.credentials).toEqual({ secret: 's', usernameKey: 'login', passwordKey: 'pw' });
  });

  test('tenants come out sorted by id whatever the file order', () => {
    const file = sampleTenants();
    const reversed = { ...file, tenants: [...file.tenants].reverse() };
    expect(resolveTenantsFile(reversed)).toEqual(resolveTenantsFile(file));
  });
});

describe('a broken tenants file', () => {
  test('fails with every problem at once, each naming its place', () => {
    const file = sampleTenants() as any;
    file.tenants[0].database.host = 'sql01\\PROD';
    file.tenants[1].id = 'Globex_1';
    file.tenants[2].snapshotMode = 'schema_only';
    const problems = problemsOf(file);
    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual(expect.stringMatching(/^tenants\[0\]\.database\.host: "sql01\\\\PROD" is not a host name Debezium accepts; .*named instance/));
    expect(problems).toContainEqual(expect.stringMatching(/^tenants\[1\]\.id: a tenant id must be a DNS-1123 label .*got "Globex_1"/));
    expect(problems).toContainEqual('tenants[2].snapshotMode: "schema_only" was removed in Debezium 3; use "no_data"');
  });

  test.each([
    ['an unknown field, with a suggestion', { hots: 'x' }, /^tenants\[0\]\.hots: unknown field "hots"; allowed here: id, database/],
    ['a misspelt nested field', { database: { host: 'a', name: 'b', prot: 1 } }, /^tenants\[0\]\.database\.prot: unknown field "prot"; did you mean "port"\?/],
    ['a host with a port', { database: { host: 'sql01,1433', name: 'b' } }, /^tenants\[0\]\.database\.host: "sql01,1433" .*port in `port`/],
    ['a host with a scheme', { database: { host: 'tcp:sql01', name: 'b' } }, /^tenants\[0\]\.database\.host: "tcp:sql01" /],
    ['a database name with a comma', { database: { host: 'a', name: 'A,B' } }, /^tenants\[0\]\.database\.name: "A,B" holds a ','/],
    ['a database name with spaces around it', { database: { host: 'a', name: ' A' } }, /^tenants\[0\]\.database\.name: " A" starts or ends with a space/],
    ['a port out of range', { database: { host: 'a', name: 'b', port: 70000 } }, /^tenants\[0\]\.database\.port: the port must be at most 65535, got 70000/],
    ['a port as text', { database: { host: 'a', name: 'b', port: '1433' } }, /^tenants\[0\]\.database\.port: expected a number, got "1433"/],
    ['an unknown kind', { database: { kind: 'oracle', host: 'a', name: 'b' } }, /^tenants\[0\]\.database\.kind: "oracle" is not a valid database kind; use one of: sqlserver, postgres, mysql, mariadb$/],
    ['a table without a schema', { tables: ['Orders'] }, /^tenants\[0\]\.tables\[0\]: "Orders" is not schema\.table/],
    ['a table with the database in it', { tables: ['Acme.dbo.Orders'] }, /^tenants\[0\]\.tables\[0\]: "Acme\.dbo\.Orders" is not schema\.table/],
    ['an empty table list', { tables: [] }, /^tenants\[0\]\.tables: needs at least one table/],
    ['a table listed twice', { tables: ['dbo.A', 'dbo.a'] }, /^tenants\[0\]\.tables\[1\]: "dbo\.a" is listed twice/],
    ['a removed snapshot mode', { snapshotMode: 'schema_only_recovery' }, /^tenants\[0\]\.snapshotMode: "schema_only_recovery" was removed in Debezium 3; use "recovery"/],
    ['an unknown snapshot mode', { snapshotMode: 'sometimes' }, /^tenants\[0\]\.snapshotMode: "sometimes" is not a Debezium 3 snapshot mode/],
    ['an unknown state', { state: 'pause' }, /^tenants\[0\]\.state: "pause" is not a valid connector state; use one of: running, paused, stopped/],
    ['a Secret name with capitals', { credentials: { secret: 'Acme_DB' } }, /^tenants\[0\]\.credentials\.secret: a Secret name must be a DNS-1123 subdomain.*got "Acme_DB"/],
    ['a tenant id that is too long', { id: 'a'.repeat(51) }, /^tenants\[0\]\.id: a tenant id .*of at most 50 characters/],
    ['a pin to a cluster that does not exist', { connect: 'cdc-conect' },
      /^tenants\[0\]\.connect: there is no Connect cluster "cdc-conect"; did you mean "cdc-connect"\? use one of: cdc-connect \(connect\.name/],
    ['a credentials version with spaces', { credentials: { secret: 's', version: 'rotated today' } },
      /^tenants\[0\]\.credentials\.version: "rotated today" is not a version; use letters, digits/],
    ['no topic partitions', { topicPartitions: 0 }, /^tenants\[0\]\.topicPartitions: topicPartitions must be at least 1, got 0/],
    ['a negative heartbeat interval', { heartbeatIntervalMs: -1 }, /^tenants\[0\]\.heartbeatIntervalMs: heartbeatIntervalMs must be at least 0, got -1/],
  ])('fails on %s', (_, patch, expected) => {
    expect(problemsOf(withTenant(patch))).toContainEqual(expect.stringMatching(expected));
  });

  test('fails on Connect clusters that share a name, and on bad sizes', () => {
    const file = sampleTenants() as any;
    file.connect.memory = '2 GB';
    file.connect.clusters = [{ name: 'shard-b' }, { name: 'shard-b', cpu: 'lots' }, { name: 'cdc-connect' }];
    expect(problemsOf(file)).toEqual([
      'connect.memory: "2 GB" is not a memory quantity; write e.g. "2Gi" or "1536Mi"',
      'connect.clusters[1].cpu: "lots" is not a CPU quantity; write e.g. "500m" or "2"',
      'connect.clusters[2].name: "cdc-connect" is the name of the first cluster (connect.name); every Connect cluster needs its own name (it is its group id and the prefix of its storage topics)',
    ]);
    file.connect.memory = '2Gi';
    delete file.connect.clusters[1].cpu;
    expect(problemsOf(file)).toContainEqual(expect.stringMatching(/^connect\.clusters\[1\]\.name: "shard-b" is used twice;/));
  });

  test('fails when a required field is missing in both tenant and defaults', () => {
    const file = withTenant({ database: { name: 'Acme' }, credentials: undefined });
    expect(problemsOf(file)).toEqual([
      'tenants[0].database.host: required: set the database server\'s host name here or in defaults.database.host',
      'tenants[0].credentials.secret: required: set the name of the Secret holding the database user name and password here or in defaults.credentials.secret',
    ]);
  });

  test('fails on duplicate tenant ids, naming both', () => {
    const file = withTenant({ id: 'acme' }, 2);
    expect(problemsOf(file)).toContainEqual('tenants[2].id: duplicate tenant id "acme", first used by tenants[0]; every tenant needs its own id');
  });

  test('fails when two tenants capture the same database on the same server', () => {
    const file = withTenant({ id: 'acme2', database: { host: 'ACME.example.com', name: 'acme' }, credentials: { secret: 'x' } }, 2);
    expect(problemsOf(file)).toEqual([expect.stringMatching(/^tenants\[2\]\.database: captures the same database as tenants\[0\] \(acme\)/)]);
  });

  test('tenants on one server with different databases are fine', () => {
    const file = withTenant({ id: 'acme2', database: { kind: 'sqlserver', host: 'acme.example.com', name: 'Acme2' }, tables: ['dbo.Orders'] }, 2);
    expect(() => resolveTenantsFile(file)).not.toThrow();
  });

  test('fails on a mysql table outside the tenant\'s database', () => {
    const file = withTenant({ tables: ['other.orders'] }, 2);
    expect(problemsOf(file)).toEqual([expect.stringMatching(/^tenants\[2\]\.tables\[0\]: "other\.orders" is not in the tenant's database "hooli"; .*"hooli\.orders"/)]);
  });

  test('mariadb tenants: port 3306, tables in their own database, the binlog snapshot modes', () => {
    const wonka = { id: 'wonka', database: { kind: 'mariadb', host: 'maria.example.com', name: 'wonka' }, credentials: { secret: 'wonka-db' }, tables: ['wonka.orders'], snapshotMode: 'recovery' };
    const file = sampleTenants() as any;
    file.tenants.push(wonka);
    expect(resolveTenantsFile(file).tenants.find((t) => t.id === 'wonka')).toMatchObject({
      database: { kind: 'mariadb', host: 'maria.example.com', port: 3306, name: 'wonka' }, tables: ['wonka.orders'], snapshotMode: 'recovery',
    });
    file.tenants[3] = { ...wonka, tables: ['other.orders'], snapshotMode: 'when_needed_no_data' };
    expect(problemsOf(file)).toEqual([
      expect.stringMatching(/^tenants\[3\]\.snapshotMode: the mariadb connector has no snapshot mode "when_needed_no_data"; use one of: initial, always, initial_only, no_data, recovery, when_needed$/),
      'tenants[3].tables[0]: "other.orders" is not in the tenant\'s database "wonka"; mariadb tables are written database.table, e.g. "wonka.orders"',
    ]);
  });

  test('a mysql and a mariadb tenant on one host and port are on one server: they may not capture the same database', () => {
    const file = sampleTenants() as any;
    file.tenants.push({ id: 'wonka', database: { kind: 'mariadb', host: 'MY.example.com', name: 'hooli' }, credentials: { secret: 'wonka-db' }, tables: ['hooli.orders'] });
    expect(problemsOf(file)).toEqual([expect.stringMatching(/^tenants\[3\]\.database: captures the same database as tenants\[2\] \(hooli\)/)]);
  });

  test('fails on a snapshot mode the tenant\'s kind lacks, naming the tenant when it comes from defaults', () => {
    const file = sampleTenants() as any;
    file.defaults.snapshotMode = 'recovery';
    expect(problemsOf(file)).toEqual([expect.stringMatching(/^defaults\.snapshotMode: the postgres connector has no snapshot mode "recovery" \(tenant globex\)/)]);
  });

  test('fails on id in defaults', () => {
    const file = sampleTenants() as any;
    file.defaults.id = 'x';
    expect(problemsOf(file)).toContainEqual(expect.stringMatching(/^defaults\.id: unknown field "id"/));
  });

  test.each([
    ['a missing namespace', { namespace: undefined }, /^namespace: required/],
    ['an uppercase namespace', { namespace: 'CDC' }, /^namespace: a namespace must be a DNS-1123 label.*got "CDC"/],
    ['brokers without port', { kafka: { bootstrapServers: 'kafka-1,kafka-2:9092' } }, /^kafka\.bootstrapServers: "kafka-1" is not host:port/],
    ['brokers with spaces', { kafka: { bootstrapServers: 'a:9092, b:9092' } }, /^kafka\.bootstrapServers: " b:9092" is not host:port/],
    ['an unknown SASL mechanism', { kafka: { bootstrapServers: 'a:9092', auth: { mechanism: 'scram-sha-256', username: 'u', passwordSecret: { name: 's', key: 'k' } } } },
      /^kafka\.auth\.mechanism: "scram-sha-256" is not a valid SASL mechanism; use one of: plain, scram-sha-512/],
    ['a literal password', { kafka: { bootstrapServers: 'a:9092', auth: { mechanism: 'plain', username: 'u', password: 'hunter2', passwordSecret: { name: 's', key: 'k' } } } },
      /^kafka\.auth\.password: unknown field "password"/],
    ['a user name with a quote', { kafka: { bootstrapServers: 'a:9092', auth: { mechanism: 'plain', username: 'u"x', passwordSecret: { name: 's', key: 'k' } } } },
      /^kafka\.auth\.username: a SASL user name cannot hold quotes/],
    ['a Debezium 2 version', { debezium: { version: '2.7.3.Final' } }, /^debezium\.version: Debezium "2\.7\.3\.Final" is older than 3\.0/],
    ['a version without qualifier', { debezium: { version: '3.6.1' } }, /^debezium\.version: "3\.6\.1" is not a Debezium release version/],
    ['a too long connect name', { connect: { name: 'c'.repeat(46) } }, /^connect\.name: the Connect cluster name .*of at most 45 characters/],
    ['negative replicas', { connect: { replicas: -1 } }, /^connect\.replicas: connect\.replicas must be at least 0, got -1/],
    ['an image with a space', { connect: { image: 'my image' } }, /^connect\.image: a container image reference has no spaces/],
    ['an output topic with a slash', { processor: { outputTopic: 'cdc/events' } }, /^processor\.outputTopic: a Kafka topic name may hold only/],
    ['an output topic the processor would read back', { processor: { outputTopic: 'acme.x.y.z' } }, /^processor\.outputTopic: "acme\.x\.y\.z" looks like a change topic of tenant "acme"/],
    ['no tenants', { tenants: [] }, /^tenants: needs at least one tenant/],
    ['tenants as a mapping', { tenants: { acme: {} } }, /^tenants: expected a list, got \{"acme":\{\}\}/],
  ])('fails on %s', (_, patch, expected) => {
    expect(problemsOf({ ...sampleTenants(), ...patch })).toContainEqual(expect.stringMatching(expected));
  });

  test('fails on a file that is not a mapping', () => {
    expect(problemsOf(['a'])).toEqual(['(file): expected a mapping, got ["a"]']);
    expect(problemsOf(null)).toEqual(['(file): expected a mapping, got null']);
  });

  test('the error message lists the problems under a headline', () => {
    expect(() => resolveTenantsFile(withTenant({ state: 'on' }))).toThrowError(/^the tenants file has 1 problem:\n {2}tenants\[0\]\.state: /);
  });
});
