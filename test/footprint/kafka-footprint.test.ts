import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CdcPlatform, TenantsFile } from '../../src';
import { totalKafkaFootprint } from '../../src/footprint/kafka-footprint';
import { sampleTenants } from '../support/tenants';

/** sampleTenants: acme (SQL Server, 1 table), globex (PostgreSQL, 1 table), hooli (MySQL, 1 table). */
function footprintOf(file: TenantsFile) {
  return new CdcPlatform(Testing.chart(), 'cdc', file).kafkaFootprint();
}

describe('the Kafka footprint of an output', () => {
  test('counts every topic Connect and Debezium create, with explicit partitions', () => {
    const file = sampleTenants();
    file.tenants[0] = { ...file.tenants[0], tables: ['dbo.Orders', 'dbo.Lines'], topicPartitions: 3 };
    const footprint = footprintOf(file).get('cdc-connect')!;
    expect(footprint).toMatchObject({
      connectors: 3,
      tasks: 3,
      changeTopics: { topics: 4, partitions: 3 + 3 + 1 + 1 },
      // SQL Server and MySQL keep a schema history; PostgreSQL has none
      schemaHistoryTopics: { topics: 2, partitions: 2 },
      // off: the processor skips the <prefix> topic
      schemaChangeTopics: { topics: 0, partitions: 0 },
      // one shared by every connector of the cluster
      heartbeatTopics: { topics: 1 },
      connectStorageTopics: { topics: 3, partitions: 1 + 25 + 5 },
      // the cluster's snapshot signal topic (one partition) and notification topic
      snapshotTopics: { topics: 2, partitions: 2 },
    });
    expect(footprint.topics).toBe(4 + 2 + 0 + 1 + 3 + 2);
    expect(footprint.partitions).toBe(8 + 2 + footprint.heartbeatTopics.partitions! + 31 + 2);
    // 2 workers x 8, 3 tasks x 2, 2 schema histories x 2, 3 signal consumers
    expect(footprint.clients).toBe(16 + 6 + 4 + 3);
  });

  test('counts no tasks for stopped tenants, and no heartbeat topic when heartbeats are off', () => {
    const file = sampleTenants({ defaults: { ...sampleTenants().defaults, heartbeatIntervalMs: 0 } });
    file.tenants[1] = { ...file.tenants[1], state: 'stopped' };
    const footprint = footprintOf(file).get('cdc-connect')!;
    expect(footprint.tasks).toBe(2);
    expect(footprint.heartbeatTopics.topics).toBe(0);
  });

  test('counts a MariaDB tenant\'s schema history and its own heartbeat topic', () => {
    const file = sampleTenants();
    const before = footprintOf(file).get('cdc-connect')!;
    file.tenants.push({ id: 'wonka', database: { kind: 'mariadb', host: 'maria.example.com', name: 'wonka' }, credentials: { secret: 'wonka-db' }, tables: ['wonka.orders'] });
    const after = footprintOf(file).get('cdc-connect')!;
    expect(after.changeTopics.topics - before.changeTopics.topics).toBe(1);
    expect(after.schemaHistoryTopics.topics - before.schemaHistoryTopics.topics).toBe(1);
    // its plugin (3.5.0.Final) cannot share the cluster's: __debezium-heartbeat.wonka
    expect(after.heartbeatTopics.topics - before.heartbeatTopics.topics).toBe(1);
    expect(after.schemaChangeTopics.topics).toBe(0);
    // a task's producer and admin, the schema history's producer and consumer, and its signal consumer
    expect(after.clients - before.clients).toBe(5);
  });

  test('sums Connect clusters', () => {
    const file = sampleTenants({ connect: { name: 'a', build: { image: 'r/c:1' }, clusters: [{ name: 'b' }] } });
    file.tenants = file.tenants.map((t, i) => ({ ...t, connect: i === 0 ? 'a' : 'b' }));
    const byCluster = footprintOf(file);
    expect([...byCluster.keys()]).toEqual(['a', 'b']);
    const total = totalKafkaFootprint(byCluster);
    expect(total.connectors).toBe(3);
    expect(total.heartbeatTopics.topics).toBe(2);
    expect(total.connectStorageTopics.topics).toBe(6);
    expect(total.topics).toBe(byCluster.get('a')!.topics + byCluster.get('b')!.topics);
  });
});

describe('kafka.budget', () => {
  test('fails synth with the numbers when the output needs more than the Kafka cluster allows', () => {
    const file = sampleTenants();
    file.kafka = { ...file.kafka, budget: { partitions: 38, topics: 10, clients: 20 } };
    const chart = Testing.chart();
    new CdcPlatform(chart, 'cdc', file);
    expect(() => Testing.synth(chart)).toThrowError(/kafka\.budget\.topics: the output needs 11 topics \(3 change topics, 2 schema history, 1 heartbeat, 3 Connect storage, 2 snapshot signal and notification\), more than the budget of 10/);
    expect(() => Testing.synth(chart)).toThrowError(/kafka\.budget\.partitions: the output needs 39 partitions before replication .* more than the budget of 38; lower topicPartitions/);
    expect(() => Testing.synth(chart)).toThrowError(/kafka\.budget\.clients: Connect would run 29 Kafka clients/);
  });

  test('passes when the output fits', () => {
    const file = sampleTenants();
    file.kafka = { ...file.kafka, budget: { partitions: 4096 } };
    const chart = Testing.chart();
    new CdcPlatform(chart, 'cdc', file);
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
