import { Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CdcPlatform, TenantsFile } from '../../src';
import { kafkaAclsOf } from '../../src/acls/kafka-acls';
import { aclLines, renderAcls } from '../../src/acls/render';
import { planChanges } from '../../src/app/plan/plan';
import { renderPlan } from '../../src/app/plan/render';
import { strimziProblems } from '../support/schemas';
import { ofKind, synthPlatform } from '../support/synth';
import { platformProblems, sampleTenants } from '../support/tenants';

/** The sample file with Connect's own principal named, as on Confluent Cloud (a service account). */
function file(overrides: Partial<TenantsFile> = {}): TenantsFile {
  const sample = sampleTenants();
  return { ...sample, kafka: { ...sample.kafka, auth: { ...sample.kafka.auth!, principal: 'User:sa-connect' } }, ...overrides };
}

function linesOf(props: TenantsFile): string[] {
  return aclLines(kafkaAclsOf(synthPlatform(props)));
}

describe('the ACLs each principal needs', () => {
  test('Connect: its group, storage topics, each connector\'s prefix, schema history and heartbeat topics; the processor: its group, the prefixes, the outputs', () => {
    const acls = kafkaAclsOf(synthPlatform(file()));
    expect(acls.map((p) => [p.principal, p.clients])).toEqual([
      ['User:PROCESSORKEY', ['processor cdc-connect-processor']],
      ['User:sa-connect', ['Connect cluster cdc-connect']],
    ]);
    expect(aclLines(acls.filter((p) => p.principal === 'User:sa-connect'))).toEqual([
      'User:sa-connect IDEMPOTENT_WRITE cluster kafka-cluster',
      // the schema history consumers' group ids (SQL Server, MySQL): they look up the coordinator when they recover
      'User:sa-connect READ group acme-schemahistory',
      // each connector's signal consumer commits its position in a group of its own
      'User:sa-connect READ group acme-signal',
      'User:sa-connect READ group cdc-connect',
      'User:sa-connect READ group globex-signal',
      'User:sa-connect READ group hooli-schemahistory',
      'User:sa-connect READ group hooli-signal',
      'User:sa-connect WRITE topic __debezium-heartbeat.cdc-connect',
      'User:sa-connect CREATE topic __debezium-heartbeat.cdc-connect',
      'User:sa-connect DESCRIBE topic __debezium-heartbeat.cdc-connect',
      // snapshot progress written, snapshot signals read
      'User:sa-connect WRITE topic __tenant-cdc-notifications.cdc-connect',
      'User:sa-connect CREATE topic __tenant-cdc-notifications.cdc-connect',
      'User:sa-connect DESCRIBE topic __tenant-cdc-notifications.cdc-connect',
      'User:sa-connect READ topic __tenant-cdc-signals.cdc-connect',
      'User:sa-connect DESCRIBE topic __tenant-cdc-signals.cdc-connect',
      // the parts of the schema history topics that their tenants' prefixes do not already allow
      'User:sa-connect READ topic acme.schema-history',
      'User:sa-connect DESCRIBE_CONFIGS topic acme.schema-history',
      ...['configs', 'offsets', 'status'].flatMap((t) => ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS'].map((op) => `User:sa-connect ${op} topic cdc-connect-${t}`)),
      'User:sa-connect READ topic hooli.schema-history',
      'User:sa-connect DESCRIBE_CONFIGS topic hooli.schema-history',
      ...['acme', 'globex', 'hooli'].flatMap((t) => ['WRITE', 'CREATE', 'DESCRIBE'].map((op) => `User:sa-connect ${op} topic ${t}.*`)),
    ]);
    expect(aclLines(acls.filter((p) => p.principal === 'User:PROCESSORKEY'))).toEqual([
      'User:PROCESSORKEY IDEMPOTENT_WRITE cluster kafka-cluster',
      'User:PROCESSORKEY READ group cdc-connect-processor',
      // the snapshot reconciler: its leader's group, its ledger, the signals it sends and the notifications it reads
      'User:PROCESSORKEY READ group cdc-connect-processor-snapshots',
      ...['READ', 'WRITE', 'CREATE', 'DESCRIBE'].map((op) => `User:PROCESSORKEY ${op} topic __tenant-cdc-notifications.cdc-connect`).filter((l) => !l.includes('WRITE')),
      ...['READ', 'WRITE', 'CREATE', 'DESCRIBE'].map((op) => `User:PROCESSORKEY ${op} topic __tenant-cdc-signals.cdc-connect`),
      ...['READ', 'WRITE', 'CREATE', 'DESCRIBE'].map((op) => `User:PROCESSORKEY ${op} topic __tenant-cdc-snapshots.cdc-connect-processor`),
      ...['cdc.events', 'cdc.events.dlq'].flatMap((t) => ['WRITE', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS'].map((op) => `User:PROCESSORKEY ${op} topic ${t}`)),
      ...['acme', 'globex', 'hooli'].flatMap((t) => ['READ', 'DESCRIBE'].map((op) => `User:PROCESSORKEY ${op} topic ${t}.*`)),
    ]);
  });

  test('neither principal gets what the other needs: Connect cannot touch the final topic, the processor cannot write change topics or read Connect\'s offsets', () => {
    const lines = linesOf(file());
    const connect = lines.filter((l) => l.startsWith('User:sa-connect '));
    const processor = lines.filter((l) => l.startsWith('User:PROCESSORKEY '));
    expect(connect.filter((l) => /cdc\.events/.test(l))).toEqual([]);
    expect(processor.filter((l) => / (WRITE|CREATE) topic (acme|globex|hooli)\./.test(l))).toEqual([]);
    expect(processor.filter((l) => /cdc-connect-(offsets|configs|status)/.test(l))).toEqual([]);
  });

  test('exactly-once adds the transactional ids of the processor\'s slots', () => {
    const chart = Testing.chart();
    const platform = new CdcPlatform(chart, 'cdc', file());
    platform.processor.deployment.containers[0].env.addVariable('PROCESSING_GUARANTEE', { value: 'exactly-once' } as any);
    const lines = aclLines(kafkaAclsOf(Testing.synth(chart) as any));
    expect(lines.filter((l) => l.includes('transactional-id'))).toEqual([
      'User:PROCESSORKEY WRITE transactional-id cdc-connect-processor-slot-*',
      'User:PROCESSORKEY DESCRIBE transactional-id cdc-connect-processor-slot-*',
    ]);
  });

  test('each Connect cluster and the processor have their own principal when given their own credentials', () => {
    const sample = file();
    const acls = kafkaAclsOf(synthPlatform({
      ...sample,
      connect: { ...sample.connect, clusters: [{ name: 'cdc-b', kafkaAuth: { username: 'KEYB', passwordSecret: { name: 'ccloud-b', key: 'api-secret' } } }] },
      tenants: sample.tenants.map((t) => (t.id === 'hooli' ? { ...t, connect: 'cdc-b' } : { ...t, connect: 'cdc-connect' })),
    }));
    expect(acls.map((p) => p.principal)).toEqual(['User:KEYB', 'User:PROCESSORKEY', 'User:sa-connect']);
    const b = aclLines(acls.filter((p) => p.principal === 'User:KEYB'));
    expect(b.filter((l) => / topic [a-z]+\.\*$/.test(l))).toEqual(['WRITE', 'CREATE', 'DESCRIBE'].map((op) => `User:KEYB ${op} topic hooli.*`));
    expect(b).toContain('User:KEYB READ group cdc-b');
  });

  test('a tenant added to the file adds exactly its prefix\'s ACLs, and the plan lists them', () => {
    const before = file();
    const after = { ...before, tenants: [...before.tenants, { id: 'initech', database: { host: 'sql2.example.com', name: 'Initech' }, credentials: { secret: 'initech-db' } }] };
    const plan = planChanges(synthPlatform(before), synthPlatform(after));
    expect(plan.acls.removed).toEqual([]);
    expect([...plan.acls.added].sort()).toEqual([
      'User:PROCESSORKEY DESCRIBE topic initech.*',
      'User:PROCESSORKEY READ topic initech.*',
      'User:sa-connect CREATE topic initech.*',
      'User:sa-connect DESCRIBE topic initech.*',
      'User:sa-connect DESCRIBE_CONFIGS topic initech.schema-history',
      'User:sa-connect READ group initech-schemahistory',
      'User:sa-connect READ group initech-signal',
      'User:sa-connect READ topic initech.schema-history',
      'User:sa-connect WRITE topic initech.*',
    ]);
    const text = renderPlan(plan);
    expect(text).toContain('Kafka ACLs: 9 to add before the change, 0 to remove after it:\n');
    expect(text).toContain('\n  + User:sa-connect WRITE topic initech.*\n');
    // and removing it takes them away again
    expect([...planChanges(synthPlatform(after), synthPlatform(before)).acls.removed].sort()).toEqual([...plan.acls.added].sort());
  });

  test('Confluent CLI and kafka-acls.sh commands, one per resource', () => {
    const acls = kafkaAclsOf(synthPlatform(file()));
    const confluent = renderAcls(acls, 'confluent');
    expect(confluent).toContain('# User:sa-connect: Connect cluster cdc-connect\n');
    expect(confluent).toContain('confluent kafka acl create --allow --principal User:sa-connect --operations write,create,describe --topic acme. --prefix\n');
    expect(confluent).toContain('confluent kafka acl create --allow --principal User:sa-connect --operations idempotent-write --cluster-scope\n');
    expect(confluent).toContain('confluent kafka acl create --allow --principal User:PROCESSORKEY --operations read --consumer-group cdc-connect-processor\n');
    const kafkaAcls = renderAcls(acls, 'kafka-acls');
    expect(kafkaAcls).toContain('--add --allow-principal User:sa-connect --operation Write --operation Create --operation Describe --topic acme. --resource-pattern-type prefixed\n');
    expect(kafkaAcls).toContain('--allow-principal User:PROCESSORKEY --operation Write --operation Create --operation Describe --operation DescribeConfigs --topic cdc.events\n');
    expect(JSON.parse(renderAcls(acls, 'json'))).toEqual(acls);
  });
});

describe('KafkaUsers for a Strimzi-managed Kafka (opt-in)', () => {
  const strimziFile = (): TenantsFile => {
    const sample = sampleTenants();
    return {
      ...sample,
      kafka: {
        bootstrapServers: 'my-cluster-kafka-bootstrap.kafka.svc:9093',
        auth: { mechanism: 'scram-sha-512', username: 'cdc-connect', passwordSecret: { name: 'cdc-connect-kafka', key: 'password' } },
        tls: { caSecret: { name: 'my-cluster-cluster-ca-cert', key: 'ca.crt' } },
        acls: { kafkaUsers: { cluster: 'my-cluster', namespace: 'kafka' } },
      },
      processor: { kafkaAuth: { username: 'cdc-processor', passwordSecret: { name: 'cdc-processor-kafka', key: 'password' } } },
    };
  };

  test('one KafkaUser per principal, SCRAM from the client\'s own Secret, exactly its ACLs, valid against the Strimzi CRD', () => {
    const objects = synthPlatform(strimziFile());
    const users = ofKind(objects, 'KafkaUser');
    expect(users.map((u) => [u.apiVersion, u.metadata.name, u.metadata.namespace, u.metadata.labels!['strimzi.io/cluster']])).toEqual([
      ['kafka.strimzi.io/v1', 'cdc-connect', 'kafka', 'my-cluster'],
      ['kafka.strimzi.io/v1', 'cdc-processor', 'kafka', 'my-cluster'],
    ]);
    expect(users[0].spec.authentication).toEqual({ type: 'scram-sha-512', password: { valueFrom: { secretKeyRef: { name: 'cdc-connect-kafka', key: 'password' } } } });
    expect(users[0].spec.authorization.type).toBe('simple');
    expect(users[0].spec.authorization.acls).toContainEqual({ type: 'allow', resource: { type: 'topic', name: 'acme.', patternType: 'prefix' }, operations: ['Write', 'Create', 'Describe'] });
    expect(users[0].spec.authorization.acls).toContainEqual({ type: 'allow', resource: { type: 'cluster' }, operations: ['IdempotentWrite'] });
    expect(users[1].spec.authorization.acls).toContainEqual({ type: 'allow', resource: { type: 'topic', name: 'cdc.events', patternType: 'literal' },
      operations: ['Write', 'Create', 'Describe', 'DescribeConfigs'] });
    // the KafkaUsers carry what `npm run acls` lists, no more, no less
    const listed = kafkaAclsOf(objects);
    for (const user of users) {
      expect(user.spec.authorization.acls).toHaveLength(listed.find((p) => p.principal === `User:${user.metadata.name}`)!.grants.length);
    }
    expect(strimziProblems(objects)).toEqual([]);
  });

  test('none without kafka.acls.kafkaUsers', () => {
    expect(ofKind(synthPlatform(sampleTenants()), 'KafkaUser')).toEqual([]);
  });

  test('rejects what a KafkaUser cannot be, with the fix', () => {
    const base = strimziFile();
    expect(platformProblems({ ...base, kafka: { ...base.kafka, auth: { ...base.kafka.auth!, username: 'APIKEY' } } })).toEqual([
      expect.stringMatching(/^kafka\.auth\.username: "APIKEY" cannot name a KafkaUser \(a lowercase DNS-1123 subdomain\).*remove kafka\.acls\.kafkaUsers$/),
    ]);
    expect(platformProblems({ ...base, kafka: { ...base.kafka, auth: { ...base.kafka.auth!, principal: 'User:sa-1' } } })).toEqual([
      'kafka.auth.principal: "User:sa-1": a KafkaUser\'s principal is always User:<its user name>, here "User:cdc-connect"; remove principal',
    ]);
    expect(platformProblems({ ...base, processor: { kafkaAuth: { username: 'cdc-processor', passwordSecret: { name: 'cdc-processor', key: 'password' } } },
      kafka: { ...base.kafka, acls: { kafkaUsers: { cluster: 'my-cluster' } } } })).toEqual([
      expect.stringMatching(/^processor\.kafkaAuth\.passwordSecret\.name: "cdc-processor" is also the user name, and Strimzi's User Operator writes a Secret of that name/),
    ]);
    const { auth: _auth, ...plaintext } = base.kafka;
    expect(platformProblems({ ...base, kafka: plaintext, processor: {} })).toEqual([
      expect.stringMatching(/^kafka\.acls\.kafkaUsers: KafkaUsers are SASL users with ACLs, and kafka\.auth is not set/),
    ]);
  });
});

describe('credentials of their own, and a private CA', () => {
  test('a shard without credentials of its own takes the first cluster\'s, not kafka.auth', () => {
    const sample = sampleTenants();
    const own = { username: 'CONNECTKEY', passwordSecret: { name: 'ccloud-connect', key: 'api-secret' } };
    const objects = synthPlatform({ ...sample, connect: { ...sample.connect, kafkaAuth: own, clusters: [{ name: 'cdc-b' }, { name: 'cdc-c', kafkaAuth: { ...own, username: 'CKEY' } }] } });
    expect(ofKind(objects, 'KafkaConnect').map((c) => [c.metadata.name, c.spec.authentication.username, c.spec.authentication.type]))
      .toEqual([['cdc-connect', 'CONNECTKEY', 'plain'], ['cdc-b', 'CONNECTKEY', 'plain'], ['cdc-c', 'CKEY', 'plain']]);
  });

  test('a client\'s own credentials need kafka.auth, whose mechanism they share', () => {
    const sample = sampleTenants();
    expect(platformProblems({ ...sample, kafka: { bootstrapServers: 'k:9092' } })).toEqual([
      'processor.kafkaAuth: the brokers take no SASL: set kafka.auth (its mechanism is every client\'s) before giving a client credentials of its own',
    ]);
  });

  test('the final topic and its DLQ may not be a tenant\'s topic names: Connect may write every topic under its prefix', () => {
    expect(platformProblems({ ...sampleTenants(), processor: { outputTopic: 'acme.events' } })).toEqual([
      expect.stringMatching(/^processor\.outputTopic: "acme\.events" starts with "acme\.", a topic name of connector "acme": Connect's ACLs would let it write the final topic/),
    ]);
    // the DLQ too: an output topic named like a tenant puts its .dlq under the tenant's prefix
    expect(platformProblems({ ...sampleTenants(), processor: { outputTopic: 'acme' } })).toEqual([
      expect.stringMatching(/^processor\.outputTopic: "acme" is "acme", a topic name of connector "acme": Connect's ACLs would let it write the final topic/),
    ]);
    expect(platformProblems({ ...sampleTenants(), processor: { outputTopic: 'hooli' } })).toEqual([
      expect.stringMatching(/^processor\.outputTopic: "hooli" is "hooli", a topic name/),
    ]);
  });

  test('a CA Secret reaches Strimzi\'s trusted certificates, the schema history clients and the processor', () => {
    const sample = sampleTenants();
    const objects = synthPlatform({ ...sample, kafka: { ...sample.kafka, tls: { caSecret: { name: 'kafka-ca', key: 'ca.crt' } } } });
    expect(ofKind(objects, 'KafkaConnect')[0].spec.tls).toEqual({ trustedCertificates: [{ secretName: 'kafka-ca', certificate: 'ca.crt' }] });
    const sql = ofKind(objects, 'KafkaConnector').find((c) => c.metadata.name === 'acme')!.spec.config;
    for (const client of ['producer', 'consumer']) {
      expect(sql).toMatchObject({
        [`schema.history.internal.${client}.security.protocol`]: 'SASL_SSL',
        [`schema.history.internal.${client}.ssl.truststore.type`]: 'PEM',
        [`schema.history.internal.${client}.ssl.truststore.certificates`]: '${secrets:cdc/kafka-ca:ca.crt}',
      });
    }
    // Connect reads the CA through its Role, as it reads the password
    const role = ofKind(objects, 'Role').find((r) => r.metadata.name === 'cdc-connect-connect-secrets')!;
    expect(role.rules[0].resourceNames).toEqual(['acme-db', 'ccloud', 'globex-db', 'hooli-db', 'kafka-ca']);
    const pod = ofKind(objects, 'Deployment')[0].spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/tenant-cdc/kafka-ca/ca.crt' });
    expect(pod.containers[0].volumeMounts).toEqual([{ mountPath: '/etc/tenant-cdc/kafka-ca', name: 'kafka-ca', readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: 'kafka-ca', secret: { secretName: 'kafka-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }]);
  });

  test('TLS without SASL: SSL for Connect and the schema history, KAFKA_TLS for the processor', () => {
    const sample = sampleTenants();
    const objects = synthPlatform({ ...sample, kafka: { bootstrapServers: 'k:9093', tls: {} }, processor: {} });
    const connect = ofKind(objects, 'KafkaConnect')[0].spec;
    expect(connect.tls).toEqual({ trustedCertificates: [] });
    expect(connect.authentication).toBeUndefined();
    const sql = ofKind(objects, 'KafkaConnector').find((c) => c.metadata.name === 'acme')!.spec.config;
    expect(sql['schema.history.internal.producer.security.protocol']).toBe('SSL');
    expect(Object.keys(sql).filter((k) => k.includes('sasl'))).toEqual([]);
    expect(ofKind(objects, 'Deployment')[0].spec.template.spec.containers[0].env).toContainEqual({ name: 'KAFKA_TLS', value: 'true' });
  });

  test('synth warns when Connect and the processor share a principal', () => {
    const platform = new CdcPlatform(new Chart(Testing.app(), 'c'), 'cdc', { ...sampleTenants(), processor: {} });
    expect(platform.warnings).toEqual([expect.stringMatching(/^kafka: the processor and a Connect cluster log in as the same principal \(User:APIKEY\)/)]);
  });
});
