import * as path from 'path';
import type { TenantsFile } from '../../../src';
// @ts-expect-error: a plain ES module script shared with npm run import
import { MONITORING_IMPORTS, monitoringCrdsDir } from '../../../scripts/import-monitoring.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startConnect } from '../../../scripts/stack.mjs';
import { Manifest, ofKind, synthPlatform, synthPlatformYaml } from '../../support/synth';
import { applyOutputAcls } from './kafka';
import { kubectlOk, serverSideApply, testCluster } from './kubernetes';

/**
 * What Argo CD, the Kafka administrator and Strimzi's operator do with the synthesized output, done on the
 * test stack: apply it, grant its ACLs, run its Connect worker.
 */

/**
 * Applies a tenants file's synthesized objects to the test cluster server-side, as Argo CD syncs them, and
 * (unless `acls: false`) grants the broker the ACLs of its plan, as the Kafka administrator does from
 * `npm run acls`. Returns the objects.
 */
export async function deploy(file: TenantsFile, options: { acls?: boolean } = {}): Promise<Manifest[]> {
  const applied = serverSideApply(synthPlatformYaml(file));
  if (applied.status !== 0) throw new Error(`applying the synthesized objects failed:\n${applied.stderr}`);
  const objects = synthPlatform(file);
  if (options.acls ?? true) await applyOutputAcls(objects);
  return objects;
}

/** The prometheus-operator CRDs the monitoring imports were generated from, as a cluster with the operator has them. */
export function applyMonitoringCrds(): void {
  for (const file of Object.values<string>(MONITORING_IMPORTS)) kubectlOk(['apply', '--server-side', '-f', path.join(monitoringCrdsDir(), file)]);
  kubectlOk(['wait', '--for=condition=Established', 'crd/podmonitors.monitoring.coreos.com', 'crd/servicemonitors.monitoring.coreos.com',
    'crd/prometheusrules.monitoring.coreos.com', '--timeout=120s']);
}

export interface SynthesizedWorkerOptions {
  readonly restPort: number;
  /** The worker's folder: its configuration, log and pid file. */
  readonly dir: string;
  /** The token of the ServiceAccount Strimzi makes for the Connect pods, as the kubelet mounts it. */
  readonly tokenFile: string;
  /** Run the JMX exporter agent on this port with the rules of the synthesized metrics ConfigMap. */
  readonly metricsPort?: number;
  /** More JVM flags, e.g. the truststore of a broker whose CA stands in for a public one. */
  readonly jvmOptions?: readonly string[];
}

export interface SynthesizedWorker {
  /** Its REST API. */
  readonly url: string;
  readonly pid: number;
  /** Its /metrics, when it runs the JMX exporter agent. */
  readonly metricsUrl?: string;
}

/**
 * Starts the Connect worker of the one KafkaConnect in `objects` as its Strimzi pod would run it
 * (scripts/stack.mjs startConnect), reading Secrets from the test cluster with the given token.
 */
export function startSynthesizedWorker(objects: Manifest[], options: SynthesizedWorkerOptions & { metricsPort: number }): Promise<SynthesizedWorker & { metricsUrl: string }>;
export function startSynthesizedWorker(objects: Manifest[], options: SynthesizedWorkerOptions): Promise<SynthesizedWorker>;
export function startSynthesizedWorker(objects: Manifest[], options: SynthesizedWorkerOptions): Promise<SynthesizedWorker> {
  const kafkaConnect = ofKind(objects, 'KafkaConnect')[0];
  const { server, caFile, kubectl, kubeconfig } = testCluster();
  let metrics: { port: number; config: string } | undefined;
  if (options.metricsPort !== undefined) {
    const ref = kafkaConnect.spec.metricsConfig.valueFrom.configMapKeyRef;
    metrics = { port: options.metricsPort, config: ofKind(objects, 'ConfigMap').find((c) => c.metadata.name === ref.name)!.data[ref.key] };
  }
  return startConnect({ kafkaConnect, restPort: options.restPort, dir: options.dir, metrics, jvmOptions: options.jvmOptions ?? [],
    kubernetes: { server, caFile, tokenFile: options.tokenFile, kubectl, kubeconfig } });
}
