/**
 * The processor's entry point (`npm run processor`, the container's command): environment in,
 * SIGTERM/SIGINT drain and exit 0, an unrecoverable consumer error exits 1 so Kubernetes restarts the pod.
 */
import { createProcessor } from './app';
import { parseProcessorConfig, ProcessorConfigError } from './config';
import { createLogger } from './logger';

const logger = createLogger({ fields: { service: 'tenant-cdc-processor' } });

async function main(): Promise<void> {
  const config = parseProcessorConfig(process.env);
  const processor = createProcessor(config, {
    logger,
    onFatal: (error) => {
      logger.error('unrecoverable consumer error; exiting so the pod restarts', { error });
      process.exit(1);
    },
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    processor.stop().then(() => process.exit(0), (error) => {
      logger.error('shutdown failed', { error });
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await processor.start();
}

main().catch((error) => {
  if (error instanceof ProcessorConfigError) logger.error(error.message, { problems: error.problems });
  else logger.error('processor failed to start', { error });
  process.exit(1);
});
