import type { Server } from 'http';
import { countBatch, countTransaction } from './batch-metrics';
import type { ProcessorConfig } from './config';
import { startHttpServer } from './http';
import { BatchInfo, createKafkaPipeline, KafkaPipeline, TransactionEvent } from './kafka';
import { reconcilerAccessProblem, SnapshotReconcilerHandle, startSnapshotReconciler } from './snapshot-kafka';
import { accessProblem, AccessProblem } from './kafka-access-errors';
import { createLogger, Logger } from './logger';
import { ProcessorMetrics } from './metrics';
import { debeziumTransform, Outcome, Transform } from './transform';

export interface ProcessorOptions {
  /**
   * Turns each raw record into the output event.
   *
   * @default debeziumTransform (contract 2)
   */
  readonly transform?: Transform;
  /** @default - JSON lines on stdout */
  readonly logger?: Logger;
  /**
   * Called when the consumer stops for good; `main` exits non-zero so Kubernetes restarts the pod.
   *
   * @default - log the error
   */
  readonly onFatal?: (error: Error) => void;
}

export interface Processor {
  start(): Promise<void>;
  /** Drains the current batch, commits, disconnects and closes the HTTP server. */
  stop(): Promise<void>;
  readonly metrics: ProcessorMetrics;
  /** The HTTP port (useful with HTTP_PORT=0). */
  readonly httpPort: () => number | undefined;
}

/** How long the start waits before it tries again after a refused login: doubling from `first` up to `max`. */
const START_RETRY_MS = { first: 2_000, max: 30_000 };

/** A refusal said once at error level is said again at most this often; the repeats go to debug. */
const REPEAT_MS = 5 * 60_000;

/**
 * The composition root: config in, a processor with `start` and `stop` out. Teams can run the same
 * service with their own transform.
 */
export function createProcessor(config: ProcessorConfig, options: ProcessorOptions = {}): Processor {
  const logger = options.logger ?? createLogger({ fields: { service: 'tenant-cdc-processor' } });
  const transform = options.transform ?? debeziumTransform;
  const metrics = new ProcessorMetrics();
  let ready = false;
  // a consumer that stopped for good fails the liveness probe, so Kubernetes restarts the pod
  let fatal = false;
  let server: (Server & { port: number }) | undefined;
  let pipeline: KafkaPipeline | undefined;
  let snapshots: SnapshotReconcilerHandle | undefined;
  let stopped = false;
  /** When each access problem was last logged at error level: a repeat within REPEAT_MS goes to debug. */
  const reported = new Map<string, number>();
  const reportAccessProblem = (problem: AccessProblem) => {
    metrics.kafkaAccessRefused.inc({ kind: problem.kind });
    const last = reported.get(problem.message);
    const now = Date.now();
    if (last !== undefined && now - last < REPEAT_MS) {
      logger.debug(problem.message, { repeated: true });
      return;
    }
    reported.set(problem.message, now);
    logger.error(problem.message, { kafkaAccess: problem.kind });
  };

  const safeTransform = (record: Parameters<Transform>[0]): Outcome => {
    try {
      return transform(record, config.tenantRoutes, config.columnMasks);
    } catch (error) {
      return { kind: 'dead-letter', error: `transform failed: ${(error as Error).message}` };
    }
  };

  const onBatchDone = (outcomes: readonly Outcome[], info: BatchInfo) => countBatch(metrics, outcomes, info, config.tenantRoutes);

  /**
   * The snapshot reconciler, beside the pipeline: a refusal or an error there (a missing ACL on a signal topic)
   * must not stop the events, so it is logged and tried again until it starts.
   */
  const startSnapshots = async (settings: NonNullable<ProcessorConfig['snapshots']>) => {
    // a database's tenant: the route of <prefix>/<database> (a SQL Server group's collections start with it), else the prefix
    const tenantOf = (prefix: string, collection: string) => config.tenantRoutes.get(`${prefix}/${collection.split('.')[0]}`) ?? config.tenantRoutes.get(prefix) ?? prefix;
    for (let delay = START_RETRY_MS.first; !stopped; delay = Math.min(delay * 2, START_RETRY_MS.max)) {
      try {
        snapshots = await startSnapshotReconciler(config, settings, logger, metrics, tenantOf, reportAccessProblem, () => {
          // its consumer stopped for good (a refusal kafkajs does not retry): start it again after a pause
          if (!stopped) setTimeout(() => void startSnapshots(settings), START_RETRY_MS.first);
        });
        if (stopped) await snapshots.stop();
        return;
      } catch (error) {
        const problem = reconcilerAccessProblem(error, config, settings);
        if (problem) reportAccessProblem(problem);
        else logger.warn('the snapshot reconciler did not start; trying again', { error, retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  return {
    metrics,
    httpPort: () => server?.port,
    async start() {
      server = await startHttpServer(config.httpPort, config.httpHost, { isHealthy: () => !fatal, isReady: () => ready && !fatal, registry: metrics.registry });
      const hooks = {
        transform: safeTransform,
        onBatchDone,
        onReadyChange: (value: boolean) => {
          // a (re)join may hand partitions to other pods: forget their last lag, or it would be reported forever
          if (value) {
            metrics.consumerLag.reset();
            metrics.slotLag.reset();
          }
          ready = value;
        },
        onFatal: (error: Error) => {
          fatal = true;
          if (options.onFatal) options.onFatal(error);
          else logger.error('the consumer stopped for good; nothing more will be processed', { error });
        },
        onAccessProblem: reportAccessProblem,
        onTransaction: (event: TransactionEvent) => countTransaction(metrics, event),
      };
      // a refusal (a wrong or not yet active API secret, a missing ACL) leaves the process up but not ready,
      // and it tries again; the committed offsets keep its place. Any other error fails the start.
      for (let delay = START_RETRY_MS.first; !stopped; delay = Math.min(delay * 2, START_RETRY_MS.max)) {
        pipeline = createKafkaPipeline(config, logger, hooks);
        try {
          await pipeline.start();
          break;
        } catch (error) {
          await pipeline.stop().catch(() => undefined);
          const problem = accessProblem(error, config);
          if (!problem || stopped) throw error;
          reportAccessProblem(problem);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
      if (stopped) return;
      if (config.snapshots) void startSnapshots(config.snapshots);
      logger.info('processor started', { sinkTopic: config.sinkTopic, dlqTopic: config.dlqTopic, httpPort: server.port });
    },
    async stop() {
      ready = false;
      stopped = true;
      await snapshots?.stop();
      await pipeline?.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      logger.info('processor stopped');
    },
  };
}
