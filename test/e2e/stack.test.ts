import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { newClusterId, startKafka, stopKafka } from '../../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';

/** The test stack itself: what every other end-to-end test stands on. */
test('a broker formats and starts with a cluster id that starts with "-" (1 in 64 random ids do)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-dash-'));
  const clusterId = `-${newClusterId().slice(1)}`;
  const broker = await startKafka({ port: await freePorts(2), dir, clusterId });
  try {
    const admin = new Kafka({ brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    expect((await admin.describeCluster()).clusterId).toBe(clusterId);
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
