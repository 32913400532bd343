import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startKafka, stopKafka } from '../../../scripts/stack.mjs';

/** Two free consecutive ports on 127.0.0.1 (the broker's and its controller's). */
async function freePortPair(): Promise<number> {
  const isFree = (port: number) => new Promise<boolean>((resolve) => {
    const server = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error('no free port pair on 127.0.0.1');
}

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
