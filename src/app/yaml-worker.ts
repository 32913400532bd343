/**
 * The worker thread of renderChartsInParallel (manifests.ts): turns chunks of objects, sent as JSON
 * text, into YAML documents, while the main thread renders the next chunk's objects.
 */
import { parentPort } from 'worker_threads';
import { toYaml } from './yaml-writer';

parentPort!.on('message', (chunk: string) => {
  parentPort!.postMessage((JSON.parse(chunk) as unknown[]).map(toYaml).join('---\n'));
});
