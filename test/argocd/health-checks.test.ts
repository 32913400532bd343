import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: a plain ES module script (npm run argocd)
import { SCRIPTS_MODULE, scriptsModule } from '../../scripts/argocd-health.mjs';
import { argoCdHealthCheckData, ArgoCdHealthChecks } from '../../src';
import { renderApp } from '../../src/app/manifests';
import { synthPlatform } from '../support/synth';
import { sampleTenants } from '../support/tenants';

const root = path.join(__dirname, '..', '..');
const lua = (file: string) => fs.readFileSync(path.join(root, 'argocd', 'health', file), 'utf8');

describe('ArgoCdHealthChecks', () => {
  test('defines argocd-cm with the health checks, labelled so that Argo CD reads it', () => {
    const chart = Testing.chart();
    new ArgoCdHealthChecks(chart, 'HealthChecks');
    const [configMap, ...others] = Testing.synth(chart);
    expect(others).toEqual([]);
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.metadata).toEqual({
      name: 'argocd-cm',
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
    });
    expect(configMap.data).toEqual({
      'resource.customizations.health.kafka.strimzi.io_KafkaConnector': lua('kafkaconnector.lua'),
      'resource.customizations.useOpenLibs.kafka.strimzi.io_KafkaConnector': 'true',
      'resource.customizations.health.kafka.strimzi.io_KafkaConnect': lua('kafkaconnect.lua'),
    });
  });

  test('takes Argo CD\'s namespace, and can leave the libraries closed and the built-in KafkaConnect check alone', () => {
    const chart = Testing.chart();
    const checks = new ArgoCdHealthChecks(chart, 'HealthChecks', { namespace: 'gitops', openLibs: false, kafkaConnect: false });
    const [configMap] = Testing.synth(chart);
    expect(configMap.metadata.namespace).toBe('gitops');
    expect(Object.keys(configMap.data)).toEqual(['resource.customizations.health.kafka.strimzi.io_KafkaConnector']);
    expect(checks.healthCheckData).toEqual(configMap.data);
  });

  test('carries the rest of argocd-cm, since it is the whole of it once applied', () => {
    const chart = Testing.chart();
    new ArgoCdHealthChecks(chart, 'HealthChecks', { data: { url: 'https://argocd.example.com', 'timeout.reconciliation': '180s' } });
    const [configMap] = Testing.synth(chart);
    expect(Object.keys(configMap.data).sort()).toEqual([
      'resource.customizations.health.kafka.strimzi.io_KafkaConnect',
      'resource.customizations.health.kafka.strimzi.io_KafkaConnector',
      'resource.customizations.useOpenLibs.kafka.strimzi.io_KafkaConnector',
      'timeout.reconciliation',
      'url',
    ]);
  });

  test('fails when data sets a key of the health checks', () => {
    expect(() => new ArgoCdHealthChecks(Testing.chart(), 'HealthChecks', { data: { 'resource.customizations.health.kafka.strimzi.io_KafkaConnect': 'return {}' } }))
      .toThrowError('data sets resource.customizations.health.kafka.strimzi.io_KafkaConnect, which ArgoCdHealthChecks writes; '
        + 'leave them out, or merge argoCdHealthCheckData() into your own argocd-cm instead');
  });

  test('argoCdHealthCheckData gives the entries to merge into an argocd-cm defined elsewhere', () => {
    expect(argoCdHealthCheckData()).toEqual(new ArgoCdHealthChecks(Testing.chart(), 'HealthChecks').healthCheckData);
    expect(argoCdHealthCheckData({ pausedConnectorHealth: 'Healthy' })['resource.customizations.health.kafka.strimzi.io_KafkaConnector'])
      .toContain('local PAUSED_CONNECTOR_HEALTH = "Healthy"');
    expect(argoCdHealthCheckData()['resource.customizations.health.kafka.strimzi.io_KafkaConnector']).toContain('local PAUSED_CONNECTOR_HEALTH = "Suspended"');
  });

  test('is opt-in: CdcPlatform adds nothing of Argo CD\'s', () => {
    const objects = synthPlatform(sampleTenants());
    expect(objects.filter((o) => o.metadata.name === 'argocd-cm' || o.metadata.namespace === 'argocd')).toEqual([]);
  });
});

describe('the generated files are fresh (npm run argocd)', () => {
  test('src/argocd/health-scripts.ts carries the Lua of argocd/health/', () => {
    expect(fs.readFileSync(SCRIPTS_MODULE, 'utf8')).toBe(scriptsModule());
  });

  test('argocd/argocd-cm.yaml is ArgoCdHealthChecks\' output, and YAML gives the Lua back byte for byte', () => {
    const app = new App({ outdir: Testing.app().outdir });
    new ArgoCdHealthChecks(new Chart(app, 'argocd', { disableResourceNameHashes: true }), 'health-checks');
    const committed = fs.readFileSync(path.join(root, 'argocd', 'argocd-cm.yaml'), 'utf8');
    expect(committed).toBe(renderApp(app).get('argocd.k8s.yaml'));
    expect(parse(committed).data['resource.customizations.health.kafka.strimzi.io_KafkaConnector']).toBe(lua('kafkaconnector.lua'));
    expect(parse(committed).data['resource.customizations.health.kafka.strimzi.io_KafkaConnect']).toBe(lua('kafkaconnect.lua'));
  });
});
