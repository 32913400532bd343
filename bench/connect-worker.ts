import * as path from 'path';
import { ConnectRest } from '../test/e2e/support/connect';
import type { Manifest } from '../test/support/synth';
// @ts-expect-error: a plain ES module script shared with the tests and the demo
import { startConnect, stopConnect } from '../scripts/stack.mjs';
import { GcEvent, gcEvents, gcLogOption, NATIVE_MEMORY_TRACKING } from './jvm-memory';

/** How a worker reaches the API server, as the pod of its KafkaConnect would: the ServiceAccount's token. */
export interface PodCredentials {
  readonly server: string;
  readonly caFile: string;
  readonly tokenFile: string;
}

/**
 * The one worker of a synthesized KafkaConnect (scripts/stack.mjs), started again in the same folder after
 * a kill as Kubernetes restarts a pod, with a GC log per start and native memory tracking for the memory figures.
 */
export class ConnectWorker {
  private starts = 0;
  private current: { pid: number; rest: ConnectRest } | undefined;

  constructor(public readonly kafkaConnect: Manifest, private readonly options: {
    readonly dir: string;
    readonly restPort: number;
    readonly pod: PodCredentials;
    readonly heap: { readonly max: string; readonly initial?: string };
  }) {}

  get name(): string {
    return this.kafkaConnect.metadata.name;
  }

  get pid(): number {
    return this.running().pid;
  }

  get rest(): ConnectRest {
    return this.running().rest;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Starts the worker and waits until its REST API answers. */
  async start(): Promise<void> {
    const gcLog = path.join(this.options.dir, `gc-${++this.starts}.log`);
    const { heap } = this.options;
    const started = await startConnect({
      kafkaConnect: this.kafkaConnect, restPort: this.options.restPort, dir: this.options.dir, kubernetes: this.options.pod,
      heap: heap.max, jvmOptions: [...(heap.initial ? [`-Xms${heap.initial}`] : []), gcLogOption(gcLog), NATIVE_MEMORY_TRACKING],
    });
    this.current = { pid: started.pid, rest: new ConnectRest(started.url) };
  }

  /** SIGKILL, as an OOM kill or a lost node: no graceful shutdown, no last offset commit. */
  async kill(): Promise<void> {
    const { pid } = this.running();
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.current = undefined;
  }

  async stop(): Promise<void> {
    await stopConnect({ dir: this.options.dir, graceMs: 15_000 });
    this.current = undefined;
  }

  /** The collections of every start so far. */
  gcEvents(): GcEvent[] {
    return Array.from({ length: this.starts }, (_, i) => gcEvents(path.join(this.options.dir, `gc-${i + 1}.log`))).flat();
  }

  private running(): { pid: number; rest: ConnectRest } {
    if (!this.current) throw new Error(`the Connect worker of ${this.name} is not running`);
    return this.current;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
