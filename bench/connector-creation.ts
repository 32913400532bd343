import { sleep } from '../test/e2e/support/kafka';
import type { Manifest } from '../test/support/synth';
import { ConnectWorker } from './connect-worker';
import { Fleet, tenantOf } from './fleet-setup';

/**
 * Creates every KafkaConnector on its worker as Strimzi's operator does: the connector's name, class,
 * tasks.max and config unchanged, created in spec.state, `concurrency` at a time per Connect cluster.
 * A refused call is retried with a back-off, as Strimzi's next reconciliation would; what Connect answered
 * is kept in `refusals`.
 */
export async function createConnectors(fleet: Fleet, concurrency: number, onCreated: (name: string) => void, refusals: Map<string, number>, deadline: number): Promise<void> {
  const queues = new Map<ConnectWorker, Manifest[]>();
  for (const connector of fleet.connectors) {
    const worker = fleet.workerOf.get(tenantOf(connector))!;
    queues.set(worker, [...(queues.get(worker) ?? []), connector]);
  }
  const lane = async (worker: ConnectWorker, queue: Manifest[]) => {
    for (let connector = queue.shift(); connector; connector = queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        let answer: { status: number; body: any };
        try {
          answer = await worker.rest.create(connector);
        } catch (error) {
          answer = { status: 0, body: { message: (error as Error).message } };
        }
        if (answer.status < 300 || (answer.status === 409 && /already exists/.test(answer.body?.message))) {
          onCreated(connector.metadata.name);
          break;
        }
        const reason = `${answer.status} ${String(answer.body?.message ?? '').split('\n')[0].slice(0, 160)}`;
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
        if (Date.now() > deadline) return;
        await sleep(Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
      }
    }
  };
  await Promise.all([...queues].flatMap(([worker, queue]) => Array.from({ length: concurrency }, () => lane(worker, queue))));
}
