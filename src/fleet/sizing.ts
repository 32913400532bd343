/**
 * How big a Connect cluster must be for its connectors: a documented rule based on what bench:fleet
 * measured on real Connect and Debezium (docs/fleets.md: Sizing). Every figure here is overridable in the
 * tenants file (connect.replicas, connect.memory).
 */

/** Debezium's in-memory queue per task, bounded in records and bytes, so memory grows with tenants, not with bursts. */
export const DEBEZIUM_QUEUE = {
  maxBatchSize: 1024,
  maxQueueSize: 4096,
  maxQueueBytes: 4 * 1024 * 1024,
} as const;

/**
 * Retries of a retriable error while a task captures (Debezium's ErrorHandler counts them; a poll with
 * changes starts the count again) before the task fails, so a tenant that keeps failing ends FAILED with its
 * reason, where Strimzi's auto-restart and Argo CD see it. A failure while the task starts (wrong password,
 * dropped database, server down) is not counted: Debezium 3 retries it every 10 s for ever and Connect says
 * RUNNING (test/e2e/monitoring.test.ts); the TenantCdcStreamingStalled alert reports that case.
 */
export const DEBEZIUM_RETRIES = { maxRetries: 6 } as const;

/**
 * The rule (docs/fleets.md: Sizing), from bench:fleet on real Connect 4.3.1 and Debezium 3.6.1 (PostgreSQL
 * tenants, 50 and 200 tasks on one worker): a worker's heap holds a fixed base plus a share per running
 * task, and beside the heap the JVM commits a base plus a share per task (thread stacks: about 9 threads
 * per task); Strimzi gives the heap 75 % of the container's memory, so the other 25 % must hold the rest.
 * A cluster keeps one worker spare, so the tasks of a failed worker fit on the others.
 */
export const SIZING = {
  /** Heap of a worker with no tasks (measured: 31 MiB after a full GC), with room for Connect's own work. */
  baseHeapMiB: 256,
  /** Heap per running task: 2 MiB measured after a full GC, plus its bounded queue (DEBEZIUM_QUEUE) full. */
  heapPerTaskMiB: 6,
  /** Memory the JVM commits beside the heap with no tasks (measured: 194 MiB). */
  nonHeapBaseMiB: 200,
  /** ... and per task (measured: 2.2 MiB, mostly thread stacks). */
  nonHeapPerTaskMiB: 2.5,
  /** Tasks one worker runs at most (CPU of snapshots and streaming, rebalance time). */
  maxTasksPerWorker: 100,
  /** Fewest workers: one can fail (or roll) while the other keeps every tenant streaming. */
  minReplicas: 2,
  /** Smallest worker memory tenant-cdc sets. */
  minMemoryMiB: 2048,
} as const;

/** What a Connect cluster gets: workers and memory per worker, and what needs attention. */
export interface ConnectClusterSize {
  readonly replicas: number;
  readonly memory: string;
  readonly warnings: readonly string[];
}

/**
 * Sizes a Connect cluster for its running tasks, keeping what the tenants file sets. Warns when what
 * it sets cannot hold the tasks.
 */
export function sizeConnectCluster(cluster: { readonly name: string; readonly replicas?: number; readonly memory?: string }, tasks: number): ConnectClusterSize {
  const warnings: string[] = [];
  const replicas = cluster.replicas ?? Math.max(SIZING.minReplicas, Math.ceil(tasks / SIZING.maxTasksPerWorker) + 1);
  // tasks per worker while one worker is down (or all of them on a single worker)
  const perWorker = Math.ceil(tasks / Math.max(1, replicas - 1));
  // the heap must fit in 75 % of the container, and everything else in the other 25 %
  const forHeap = (SIZING.baseHeapMiB + SIZING.heapPerTaskMiB * perWorker) / 0.75;
  const forNonHeap = (SIZING.nonHeapBaseMiB + SIZING.nonHeapPerTaskMiB * perWorker) / 0.25;
  const neededMiB = Math.max(SIZING.minMemoryMiB, roundUp(Math.max(forHeap, forNonHeap), 256));
  const memory = cluster.memory ?? (neededMiB % 1024 === 0 ? `${neededMiB / 1024}Gi` : `${neededMiB}Mi`);
  if (replicas === 0 && tasks > 0) {
    warnings.push(`connect: Connect cluster ${cluster.name} has 0 replicas but ${tasks} running connectors; none of them will run until it is scaled up`);
  } else if (replicas > 0 && perWorker > SIZING.maxTasksPerWorker) {
    warnings.push(`connect: Connect cluster ${cluster.name} would run ${perWorker} tasks per worker with one of its ${replicas} workers down, more than the `
      + `${SIZING.maxTasksPerWorker} one worker runs well; unset connect.replicas to size it, or add workers or clusters (connect.clusters)`);
  }
  if (cluster.memory !== undefined && replicas > 0 && mebibytes(cluster.memory) < neededMiB) {
    warnings.push(`connect: Connect cluster ${cluster.name} has ${cluster.memory} per worker, less than the ${neededMiB}Mi its ${perWorker} tasks per worker `
      + 'need with one worker down (docs/fleets.md: Sizing); unset connect.memory to size it, or raise it');
  }
  return { replicas, memory, warnings };
}

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/** A Kubernetes memory quantity in MiB. */
function mebibytes(quantity: string): number {
  const match = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) return Number.NaN;
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576 };
  return Number(match[1]) * (match[2] ? factor[match[2]] : 1 / 1048576);
}
