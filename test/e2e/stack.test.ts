import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { newClusterId, startKafka, stopKafka } from '../../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and the benchmarks
import { addKafkaUser, applyAcls, kafkajsSettings } from '../../scripts/kafka-security.mjs';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';

/** The test stack itself: what every other end-to-end test stands on. */
test('the broker is shaped like a managed Kafka: SASL_SSL only, every principal denied what no ACL allows, no topic created on first use', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-dash-'));
  // formatted with a cluster id that starts with "-" (1 in 64 random ids do)
  const clusterId = `-${newClusterId().slice(1)}`;
  const broker = await startKafka({ port: await freePorts(2), dir, clusterId });
  const client = (settings: object) => new Kafka({ clientId: 'stack-test', ...settings, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 5000 } as any);
  try {
    const admin = client(kafkajsSettings(broker.info)).admin();
    await admin.connect();
    expect((await admin.describeCluster()).clusterId).toBe(clusterId);
    await admin.createTopics({ topics: [{ topic: 'granted' }, { topic: 'not-granted' }], waitForLeaders: true });

    // no TLS, or TLS without SASL, or a wrong password: no way in
    const listTopics = async (settings: object) => {
      const someone = client(settings).admin();
      try {
        await someone.connect();
        return await someone.listTopics();
      } finally {
        await someone.disconnect();
      }
    };
    await expect(listTopics({ brokers: [broker.brokers] })).rejects.toThrow();
    await expect(listTopics({ brokers: [broker.brokers], ssl: kafkajsSettings(broker.info).ssl })).rejects.toThrow();
    const user = { username: 'app', password: `pw-${Math.random().toString(36).slice(2)}` };
    addKafkaUser(broker.info, user);
    await expect(listTopics(kafkajsSettings(broker.info, { ...user, password: 'wrong' }))).rejects.toThrow(/SASL PLAIN authentication failed/);

    // a user sees and writes only what its ACLs allow
    await applyAcls(admin, 'User:app', [{ resource: { type: 'topic', pattern: 'literal', name: 'granted' }, operations: ['write', 'describe'] }]);
    const app = client(kafkajsSettings(broker.info, user));
    const appAdmin = app.admin();
    await appAdmin.connect();
    expect(await appAdmin.listTopics()).toEqual(['granted']);
    await appAdmin.disconnect();
    const producer = app.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'granted', messages: [{ value: 'allowed' }] });
    await expect(producer.send({ topic: 'not-granted', messages: [{ value: 'denied' }] })).rejects.toThrow(/authorization|Not authorized/i);
    await producer.disconnect();

    // the super user's producer asks to create a missing topic, and the broker does not
    const superProducer = client(kafkajsSettings(broker.info)).producer({ allowAutoTopicCreation: true });
    await superProducer.connect();
    await expect(superProducer.send({ topic: 'never-created', messages: [{ value: 'x' }] })).rejects.toThrow();
    await superProducer.disconnect();
    expect(await admin.listTopics()).not.toContain('never-created');

    // SCRAM-SHA-512 users, as a Strimzi KafkaUser makes them, log in too
    addKafkaUser(broker.info, { username: 'scram-app', password: user.password, scram: true });
    const scram = client(kafkajsSettings(broker.info, { mechanism: 'scram-sha-512', username: 'scram-app', password: user.password })).admin();
    await scram.connect();
    expect(await scram.listTopics()).toEqual([]);
    await scram.disconnect();
    await admin.disconnect();
  } finally {
    await stopKafka({ dir });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('generated cluster ids never start with "-"', () => {
  const ids: string[] = Array.from({ length: 5000 }, () => newClusterId());
  expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  expect(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true);
});
