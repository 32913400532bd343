import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProcessorProcess } from '../test/e2e/support/kafka';
import { ensureNamespace, kubectlOk, serverSideApply, serviceAccountCredentials } from '../test/e2e/support/kubernetes';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../scripts/ports.mjs';
import type { Manifest } from '../test/support/synth';
// @ts-expect-error: a plain ES module script shared with the tests and the demo
import { buildKubernetes, startKubernetes, stopKubernetes } from '../scripts/kube.mjs';
// @ts-expect-error: a plain ES module script shared with the tests and the demo
import { startKafka, startPostgres, stopKafka, stopPostgres } from '../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with npm run import
import { strimziCrdsDir } from '../scripts/strimzi-crds.mjs';
import { ConnectWorker } from './connect-worker';

/** The PostgreSQL of the fleet, as scripts/stack.mjs started it. */
export interface FleetPostgres {
  readonly port: number;
  readonly dir: string;
  /** One psql call that must succeed (as the postgres superuser); throws with psql's message. */
  psql(sql: string, database?: string): string;
}

/**
 * Every process of one run, on 127.0.0.1, in one temporary folder: the Kafka broker, the Kubernetes API
 * server, PostgreSQL, the Connect workers and the processors. `stopAll` stops whatever started, in reverse
 * order, and deletes the folder, also after a failure or Ctrl-C.
 */
export class FleetStack {
  readonly work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-fleet-'));
  private readonly stops: Array<{ what: string; stop: () => Promise<void> | void }> = [];
  private stopping: Promise<void> | undefined;

  /**
   * A broker on a free port pair; returns its bootstrap address. The e2e helpers find it through E2E_KAFKA.
   * PLAINTEXT, on purpose: this benchmark measures Connect and Debezium at fleet scale, not Kafka security
   * (bench:processor measures what SASL_SSL costs).
   */
  async startKafka(): Promise<{ brokers: string; pid: number }> {
    const dir = path.join(this.work, 'kafka');
    this.onStop('Kafka', () => stopKafka({ dir }));
    const kafka = await startKafka({ port: await freePorts(2), dir, security: 'plaintext' });
    process.env.E2E_KAFKA = JSON.stringify(kafka.info);
    return { brokers: kafka.brokers, pid: kafka.pid };
  }

  /** The API server with the Strimzi CRDs and the namespace; the e2e kubectl helpers find it through E2E_KUBERNETES. */
  async startKubernetes(namespace: string): Promise<{ server: string; caFile: string }> {
    const { kubectl } = buildKubernetes();
    const dir = path.join(this.work, 'kubernetes');
    this.onStop('the Kubernetes API server', () => stopKubernetes({ dir }));
    const cluster = await startKubernetes({ dir });
    process.env.E2E_KUBERNETES = JSON.stringify({ ...cluster, kubectl });
    const crds = strimziCrdsDir();
    const applied = serverSideApply(fs.readdirSync(crds).filter((f) => f.endsWith('.yaml')).map((f) => fs.readFileSync(path.join(crds, f), 'utf8')).join('---\n'));
    if (applied.status !== 0) throw new Error(`installing the Strimzi CRDs failed:\n${applied.stderr}`);
    kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
    ensureNamespace(namespace);
    return { server: cluster.server, caFile: cluster.caFile };
  }

  async startPostgres(limits: { maxReplicationSlots: number; maxWalSenders: number; maxConnections: number }): Promise<FleetPostgres> {
    const dir = path.join(this.work, 'postgres');
    const postgres = await startPostgres({ port: await freePorts(1), dir, ...limits });
    this.onStop('PostgreSQL', () => stopPostgres({ dir }));
    return postgres;
  }

  /** The postmaster's pid, for the CPU of the whole server. */
  postmasterPid(postgres: FleetPostgres): number {
    return Number(fs.readFileSync(path.join(postgres.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /**
   * One worker per KafkaConnect, as the ServiceAccount Strimzi gives its pods (`<name>-connect`, a
   * TokenRequest token), with `heap` (from the KafkaConnect's resources unless overridden).
   */
  async startWorker(kafkaConnect: Manifest, kubernetes: { server: string; caFile: string }, heap: { max: string; initial?: string }): Promise<ConnectWorker> {
    const name = kafkaConnect.metadata.name;
    const { tokenFile } = serviceAccountCredentials(kafkaConnect.metadata.namespace!, `${name}-connect`, path.join(this.work, `serviceaccount-${name}`));
    const worker = new ConnectWorker(kafkaConnect, {
      dir: path.join(this.work, `connect-${name}`), restPort: await freePorts(1), pod: { ...kubernetes, tokenFile }, heap,
    });
    this.onStop(`the Connect worker of ${name}`, () => worker.stop());
    await worker.start();
    return worker;
  }

  /** The processor with the environment of a synthesized Deployment; only the HTTP listener moves to 127.0.0.1 and a free port. */
  async startProcessor(deployment: Manifest, extraEnv: Record<string, string>): Promise<ProcessorProcess> {
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const processor = new ProcessorProcess({ ...env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', ...extraEnv });
    this.onStop(`the processor of ${deployment.metadata.name}`, async () => {
      if (processor.child.exitCode === null) processor.kill('SIGTERM');
      await Promise.race([processor.exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (processor.child.exitCode === null) processor.kill('SIGKILL');
    });
    await processor.waitStarted();
    return processor;
  }

  /** Registers something to stop (last registered, first stopped). */
  onStop(what: string, stop: () => Promise<void> | void): void {
    this.stops.push({ what, stop });
  }

  /** Stops everything once, even when called again from a signal handler, and removes the folder. */
  stopAll(say: (text: string) => void): Promise<void> {
    this.stopping ??= (async () => {
      for (const { what, stop } of this.stops.splice(0).reverse()) {
        try {
          await stop();
        } catch (error) {
          say(`could not stop ${what}: ${(error as Error).message}`);
        }
      }
      fs.rmSync(this.work, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}
