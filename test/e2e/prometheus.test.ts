import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { monitoredTwoClusterTenants } from '../support/tenants';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
import { synthPlatform } from '../support/synth';
import { PrometheusServer, processorTarget, scrapeConfigs, startPrometheus, stopPrometheus, strimziConnectTarget } from './support/prometheus';

/**
 * The Prometheus the dashboards' e2e test queries (test/e2e/support/prometheus.ts), on small HTTP servers
 * that stand for a Connect worker's JMX exporter and the processor: the relabelling generated from the
 * synthesized PodMonitor and ServiceMonitor gives their series the labels a cluster's Prometheus would
 * (namespace, pod, container, endpoint, job, service, the `strimzi_io_*` labels), and drops a pod the
 * PodMonitor does not select. Needs no Kafka.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-prometheus-'));
const file = monitoredTwoClusterTenants();
const manifests = synthPlatform(file);
const servers: http.Server[] = [];
let prometheus: PrometheusServer | undefined;

/** An HTTP server on 127.0.0.1 answering /metrics with `text` (Prometheus' text format); its host:port. */
async function metricsServer(text: string): Promise<string> {
  const server = http.createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const connect = await metricsServer('# TYPE kafka_connect_worker_connector_count gauge\nkafka_connect_worker_connector_count 1\n');
  const connectB = await metricsServer('# TYPE kafka_connect_worker_connector_count gauge\nkafka_connect_worker_connector_count 1\n');
  const processor = await metricsServer('# TYPE tenant_cdc_test_events_total counter\ntenant_cdc_test_events_total{tenant="acme"} 42\n');
  const configs = scrapeConfigs(manifests, {
    'debezium-connect-connect-metrics': [strimziConnectTarget({ cluster: 'debezium-connect', namespace: 'cdc', address: connect })],
    // a pod of cluster b whose metrics port has another name: the PodMonitor's port filter must drop it
    'debezium-connect-b-connect-metrics': [
      strimziConnectTarget({ cluster: 'debezium-connect-b', namespace: 'cdc', address: connectB }),
      (() => {
        const other = strimziConnectTarget({ cluster: 'debezium-connect-b', namespace: 'cdc', address: processor, replica: 1 });
        return { ...other, container: { ...other.container, portName: 'tcp-jmx' } };
      })(),
    ],
    'debezium-connect-processor-metrics': [processorTarget(manifests, { processor: 'debezium-connect-processor', address: processor, pod: 'debezium-connect-processor-6d9f7-abcde' })],
  });
  prometheus = await startPrometheus({ dir: path.join(work, 'prometheus'), port: await freePorts(1), scrapeConfigs: configs, scrapeInterval: '1s' });
});

afterAll(async () => {
  if (prometheus) await stopPrometheus(prometheus);
  for (const server of servers) server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('Prometheus through the generated monitors', () => {
  test('scrapes what the monitors select, drops the rest', async () => {
    const up = await prometheus!.waitForTargetsUp({ count: 3 });
    expect(up.map((t) => t.scrapePool).sort()).toEqual([
      'podMonitor/cdc/debezium-connect-b-connect-metrics/0',
      'podMonitor/cdc/debezium-connect-connect-metrics/0',
      'serviceMonitor/cdc/debezium-connect-processor-metrics/0',
    ]);
    expect(up.map((t) => t.labels.pod)).not.toContain('debezium-connect-b-connect-1');
  });

  test('a Connect pod\'s series carry the PodMonitor\'s labels and the strimzi_io_* labels', async () => {
    const series = await prometheus!.query('kafka_connect_worker_connector_count');
    const byCluster = Object.fromEntries(series.map((s) => [s.metric.strimzi_io_cluster, s.metric]));
    expect(Object.keys(byCluster).sort()).toEqual(['debezium-connect', 'debezium-connect-b']);
    expect(byCluster['debezium-connect']).toEqual({
      __name__: 'kafka_connect_worker_connector_count',
      namespace: 'cdc',
      pod: 'debezium-connect-connect-0',
      container: 'debezium-connect-connect',
      endpoint: 'tcp-prometheus',
      job: 'cdc/debezium-connect-connect-metrics',
      instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      strimzi_io_cluster: 'debezium-connect',
      strimzi_io_kind: 'KafkaConnect',
      strimzi_io_name: 'debezium-connect-connect',
      strimzi_io_component_type: 'kafka-connect',
    });
    expect(await prometheus!.labelValues('pod', ['kafka_connect_worker_connector_count'])).toEqual(['debezium-connect-b-connect-0', 'debezium-connect-connect-0']);
  });

  test('the processor\'s series carry the ServiceMonitor\'s labels: job is the Service', async () => {
    const [series] = await prometheus!.query('tenant_cdc_test_events_total');
    expect(series.metric).toEqual({
      __name__: 'tenant_cdc_test_events_total',
      tenant: 'acme',
      namespace: 'cdc',
      pod: 'debezium-connect-processor-6d9f7-abcde',
      container: 'processor',
      service: 'debezium-connect-processor-metrics',
      endpoint: 'http',
      job: 'debezium-connect-processor-metrics',
      instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(series.value![1]).toBe('42');
    const now = Date.now() / 1000;
    const [range] = await prometheus!.queryRange('tenant_cdc_test_events_total', now - 60, now, 1);
    expect(range.values!.length).toBeGreaterThan(0);
    await expect(prometheus!.query('rate(tenant_cdc_test_events_total[')).rejects.toThrow(/bad_data/);
  });
});
