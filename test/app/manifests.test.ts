import { App, Chart, Testing } from 'cdk8s';
import { KubeConfigMap } from 'cdk8s-plus-27/lib/imports/k8s';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CdcPlatform } from '../../src';
import { renderApp } from '../../src/app/manifests';
import { generatedTenants, sampleTenants } from '../support/tenants';

function documents(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
}

function platformApp(props = sampleTenants()): App {
  const app = new App({ outdir: Testing.app().outdir });
  new CdcPlatform(new Chart(app, 'tenant-cdc', { disableResourceNameHashes: true }), 'cdc', props);
  return app;
}

describe('renderApp', () => {
  test.each([['a small platform', sampleTenants()], ['500 generated tenants', generatedTenants(500, { seed: 3 })]])(
    'writes the same objects in the same order as App.synth() for %s', (_, props) => {
      const app = platformApp(props);
      expect(documents(renderApp(app).get('tenant-cdc.k8s.yaml')!)).toEqual(documents(app.synthYaml()));
    });

  test('keeps cdk8s dependency order when constructs depend on each other', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const chart = new Chart(app, 'deps');
    const first = new KubeConfigMap(chart, 'First', { metadata: { name: 'first' } });
    const second = new KubeConfigMap(chart, 'Second', { metadata: { name: 'second' } });
    first.node.addDependency(second);
    expect(documents(renderApp(app).get('deps.k8s.yaml')!)).toEqual(documents(app.synthYaml()));
    expect((documents(renderApp(app).get('deps.k8s.yaml')!)[0] as any).metadata.name).toBe('second');
  });

  test('fails like App.synth() when a construct\'s validation fails', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const chart = new Chart(app, 'bad');
    chart.node.addValidation({ validate: () => ['something is wrong'] });
    expect(() => renderApp(app)).toThrowError('Validation failed with the following errors:\n  [bad] something is wrong');
  });
});
