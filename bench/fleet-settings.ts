/** The knobs of `npm run bench:fleet`, from the environment (docs/tests-and-benchmarks.md, "Fleet benchmark"). */

function numberEnv(name: string, fallback: number, { integer = true, min = 0 } = {}): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || (integer && !Number.isInteger(parsed))) {
    throw new Error(`${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

const TENANTS = numberEnv('BENCH_TENANTS', 200, { min: 1 });

export const SETTINGS = {
  tenants: TENANTS,
  rowsPerTable: numberEnv('BENCH_ROWS_PER_TABLE', 10, { min: 1 }),
  changesPerSecond: numberEnv('BENCH_CHANGES_PER_SECOND', 20, { integer: false, min: 0.1 }),
  latencySeconds: numberEnv('BENCH_LATENCY_SECONDS', 60, { min: 1 }),
  idleSeconds: numberEnv('BENCH_IDLE_SECONDS', 30, { min: 1 }),
  /** Connectors created at once per Connect cluster: Strimzi reconciles a cluster's KafkaConnectors under one lock. */
  createConcurrency: numberEnv('BENCH_CREATE_CONCURRENCY', 1, { min: 1 }),
  startTimeoutSeconds: numberEnv('BENCH_START_TIMEOUT_SECONDS', 300 + 6 * TENANTS),
  restartTimeoutSeconds: numberEnv('BENCH_RESTART_TIMEOUT_SECONDS', 300 + 3 * TENANTS),
  brokenTimeoutSeconds: numberEnv('BENCH_BROKEN_TIMEOUT_SECONDS', 120),
  drainSeconds: numberEnv('BENCH_DRAIN_SECONDS', 180),
  /** -Xmx (and -Xms) of every worker instead of what Strimzi derives from the KafkaConnect, e.g. `3g`. */
  workerHeap: process.env.BENCH_WORKER_HEAP || undefined,
  /** The processor's TOPIC_REFRESH_MS; unset, its default (30 s) as in the synthesized Deployment. */
  topicRefreshMs: process.env.BENCH_TOPIC_REFRESH_MS || undefined,
  /** JSON merged into the tenants file's `connect` block, e.g. `{"replicas":1}`. */
  connect: process.env.BENCH_CONNECT ? JSON.parse(process.env.BENCH_CONNECT) as Record<string, unknown> : undefined,
  // every tenant holds a slot and a WAL sender; JDBC connections (one per task, more while snapshotting and
  // validating) count against max_connections, WAL senders do not
  postgres: { maxReplicationSlots: TENANTS + 10, maxWalSenders: TENANTS + 10, maxConnections: 3 * TENANTS + 30 },
};

/** The namespace of everything the tenants file defines. */
export const NAMESPACE = 'fleet';
