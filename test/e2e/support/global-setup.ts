import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startKafka, stopKafka } from '../../../scripts/stack.mjs';
import { freePortPair } from './ports';

/** Starts a fresh broker for this run, unless KAFKA_BROKERS points at one already running. */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.E2E_KAFKA_BROKERS) return async () => undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-kafka-'));
  const kafka = await startKafka({ port: await freePortPair(), dir });
  process.env.E2E_KAFKA_BROKERS = kafka.brokers;
  process.env.E2E_KAFKA_DIR = dir;
  process.env.E2E_KAFKA_PORT = String(kafka.port);
  return async () => {
    await stopKafka({ dir });
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
