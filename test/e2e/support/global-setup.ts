import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { buildKubernetes, installCrds, startKubernetes, stopKubernetes } from '../../../scripts/kube.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startKafka, stopKafka } from '../../../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with npm run import
import { strimziCrdsDir } from '../../../scripts/strimzi-crds.mjs';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the tests and benchmarks
import { prometheusPath } from '../../../scripts/tools.mjs';

/**
 * Starts a fresh Kafka broker shaped like a managed Kafka (SASL_SSL, a CA made now, ACLs that deny what they
 * do not allow, no topic created on first use) and a Kubernetes API server (with the Strimzi CRDs installed)
 * for this run. E2E_KAFKA (a running broker's client.json, see scripts/kafka-security.mjs) skips the broker.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    if (!process.env.E2E_KAFKA) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-kafka-'));
      stops.push(async () => {
        await stopKafka({ dir });
        fs.rmSync(dir, { recursive: true, force: true });
      });
      const kafka = await startKafka({ port: await freePorts(2), dir });
      process.env.E2E_KAFKA = JSON.stringify(kafka.info);
      process.env.E2E_KAFKA_DIR = dir;
      process.env.E2E_KAFKA_PORT = String(kafka.port);
    }

    // built here, once, rather than in a test's hook: a cold build takes minutes (scripts/tools.mjs)
    prometheusPath();
    const { kubectl } = buildKubernetes();
    const kubeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-kube-'));
    stops.push(async () => {
      await stopKubernetes({ dir: kubeDir });
      fs.rmSync(kubeDir, { recursive: true, force: true });
    });
    const cluster = await startKubernetes({ dir: kubeDir });
    // the operator's CRDs come first, as the Strimzi chart installs them before anything uses them
    await installCrds(cluster, kubectl, strimziCrdsDir());
    process.env.E2E_KUBERNETES = JSON.stringify({ ...cluster, kubectl });
  } catch (error) {
    // vitest runs no teardown when the setup fails: stop what already runs, so nothing is left behind
    await teardown();
    throw error;
  }
  return teardown;
}
