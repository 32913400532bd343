import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, test } from 'vitest';
import { monitoredTwoClusterTenants } from '../support/tenants';
import { prometheusConfig, processorTarget, scrapeConfigs, strimziConnectTarget } from '../e2e/support/prometheus';
import { Manifest, synthPlatform } from '../support/synth';

/**
 * The scrape configs the e2e tests' Prometheus runs with (test/e2e/support/prometheus.ts): the relabelling
 * the Prometheus Operator generates for the synthesized PodMonitor and ServiceMonitor, valid for promtool.
 * test/e2e/prometheus.test.ts shows what they do on a real Prometheus.
 */
const file = monitoredTwoClusterTenants();
const manifests = synthPlatform(file);
const targets = {
  'debezium-connect-connect-metrics': [strimziConnectTarget({ cluster: 'debezium-connect', namespace: 'cdc', address: '127.0.0.1:19404' })],
  'debezium-connect-b-connect-metrics': [],
  'debezium-connect-processor-metrics': [processorTarget(manifests, { processor: 'debezium-connect-processor', address: '127.0.0.1:18080' })],
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-scrape-config-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** `monitor` with `change` applied to a deep copy of it, in place of the original among the manifests. */
function withChanged(name: string, change: (monitor: Manifest) => void): Manifest[] {
  return manifests.map((m) => {
    if (m.metadata.name !== name || !m.kind.endsWith('Monitor')) return m;
    const copy = structuredClone(m);
    change(copy);
    return copy;
  });
}

describe('scrape configs from the monitors', () => {
  const configs = scrapeConfigs(manifests, targets) as any[];
  const byJob = Object.fromEntries(configs.map((c) => [c.job_name, c]));

  test('one job per monitor endpoint, named as the Prometheus Operator names them', () => {
    expect(configs.map((c) => c.job_name)).toEqual([
      'podMonitor/cdc/debezium-connect-connect-metrics/0',
      'podMonitor/cdc/debezium-connect-b-connect-metrics/0',
      'serviceMonitor/cdc/debezium-connect-processor-metrics/0',
    ]);
    expect(byJob['podMonitor/cdc/debezium-connect-b-connect-metrics/0'].static_configs).toEqual([]);
  });

  test('the PodMonitor: selector and port as keep rules, namespace/container/pod/job/endpoint, then its labelmap of strimzi.io labels', () => {
    const config = byJob['podMonitor/cdc/debezium-connect-connect-metrics/0'];
    expect(config.metrics_path).toBe('/metrics');
    expect(config.static_configs).toEqual([{
      targets: ['127.0.0.1:19404'],
      labels: expect.objectContaining({
        __meta_kubernetes_namespace: 'cdc',
        __meta_kubernetes_pod_name: 'debezium-connect-connect-0',
        __meta_kubernetes_pod_label_strimzi_io_cluster: 'debezium-connect',
        __meta_kubernetes_pod_labelpresent_strimzi_io_cluster: 'true',
        __meta_kubernetes_pod_container_port_name: 'tcp-prometheus',
      }),
    }]);
    expect(config.relabel_configs.slice(0, 11)).toEqual([
      { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
      { action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_label_strimzi_io_cluster', '__meta_kubernetes_pod_labelpresent_strimzi_io_cluster'], regex: '(debezium-connect);true' },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_label_strimzi_io_kind', '__meta_kubernetes_pod_labelpresent_strimzi_io_kind'], regex: '(KafkaConnect);true' },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'tcp-prometheus' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { target_label: 'job', replacement: 'cdc/debezium-connect-connect-metrics' },
      { target_label: 'endpoint', replacement: 'tcp-prometheus' },
      { regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', replacement: '$1', action: 'labelmap' },
    ]);
  });

  test('the ServiceMonitor: the Service\'s selector and port name, the pod from the endpoint, job from the Service name', () => {
    const config = byJob['serviceMonitor/cdc/debezium-connect-processor-metrics/0'];
    expect(config.static_configs[0].labels).toMatchObject({
      __meta_kubernetes_service_name: 'debezium-connect-processor-metrics',
      __meta_kubernetes_service_label_app_kubernetes_io_name: 'debezium-connect-processor',
      __meta_kubernetes_endpoint_port_name: 'http',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_pod_container_port_number: '8080',
    });
    const rules = config.relabel_configs;
    expect(rules).toContainEqual({ action: 'keep', source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name', '__meta_kubernetes_service_labelpresent_app_kubernetes_io_name'], regex: '(debezium-connect-processor);true' });
    expect(rules).toContainEqual({ action: 'keep', source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: 'http' });
    expect(rules).toContainEqual({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job', replacement: '${1}' });
    expect(rules).toContainEqual({ target_label: 'endpoint', replacement: 'http' });
  });

  test('promtool check config accepts the prometheus.yml', () => {
    const bin = process.env.PROMTOOL_BIN;
    if (!bin) throw new Error('PROMTOOL_BIN is not set: run the tests with vitest, whose global setup builds promtool (scripts/tools.mjs)');
    const config = path.join(work, 'prometheus.yml');
    fs.writeFileSync(config, prometheusConfig(configs, '1s'));
    const result = spawnSync(bin, ['check', 'config', config], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);
    // and it can fail: a relabel action Prometheus does not know
    fs.writeFileSync(config, prometheusConfig(scrapeConfigs(withChanged('debezium-connect-connect-metrics', (m) => {
      m.spec.podMetricsEndpoints[0].relabelings[0].action = 'relabelmap';
    }), targets), '1s'));
    const bad = spawnSync(bin, ['check', 'config', config], { encoding: 'utf8' });
    expect(`${bad.stdout}${bad.stderr}`).toContain('relabelmap');
    expect(bad.status).not.toBe(0);
  });

  test('a field it does not translate is an error naming it, not dropped', () => {
    expect(() => scrapeConfigs(withChanged('debezium-connect-connect-metrics', (m) => {
      m.spec.podMetricsEndpoints[0].metricRelabelings = [{ action: 'drop', sourceLabels: ['__name__'], regex: 'jvm_.*' }];
    }), targets)).toThrow('PodMonitor cdc/debezium-connect-connect-metrics spec.podMetricsEndpoints[0].metricRelabelings is not translated');
    expect(() => scrapeConfigs(withChanged('debezium-connect-processor-metrics', (m) => {
      m.spec.sampleLimit = 1000;
    }), targets)).toThrow('ServiceMonitor cdc/debezium-connect-processor-metrics spec.sampleLimit is not translated');
    expect(() => scrapeConfigs(withChanged('debezium-connect-connect-metrics', (m) => {
      m.spec.podMetricsEndpoints[0].relabelings[0].sourceLabelz = ['x'];
    }), targets)).toThrow('spec.podMetricsEndpoints[0].relabelings[0].sourceLabelz is not translated');
  });

  test('targets must name the monitors exactly, each one, in the namespaces they watch', () => {
    const { 'debezium-connect-b-connect-metrics': _, ...missing } = targets;
    expect(() => scrapeConfigs(manifests, missing)).toThrow('no targets given for PodMonitor debezium-connect-b-connect-metrics');
    expect(() => scrapeConfigs(manifests, { ...targets, 'debezium-connect-metric': [] })).toThrow('targets are given for a monitor named debezium-connect-metric');
    const elsewhere = strimziConnectTarget({ cluster: 'debezium-connect-b', namespace: 'other', address: '127.0.0.1:1' });
    expect(() => scrapeConfigs(manifests, { ...targets, 'debezium-connect-b-connect-metrics': [elsewhere] }))
      .toThrow('PodMonitor cdc/debezium-connect-b-connect-metrics watches namespace(s) cdc, but target 127.0.0.1:1 is in other');
  });
});
