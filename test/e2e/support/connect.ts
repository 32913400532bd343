import { randomBytes } from 'crypto';
import type { Manifest } from '../../support/synth';

/** Kafka Connect's REST API, as Strimzi's operator drives it. */
export class ConnectRest {
  constructor(public readonly url: string) {}

  async request(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${route}`, {
      method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /**
   * Creates a connector from a KafkaConnector exactly as Strimzi does: name from metadata.name, class and
   * tasks.max from the spec, config unchanged, created directly in spec.state (KIP-980).
   */
  async apply(connector: Manifest): Promise<void> {
    const errors = await this.validate(connectorConfig(connector));
    if (errors.length > 0) throw new Error(`${connector.metadata.name} does not validate:\n${errors.join('\n')}`);
    const result = await this.create(connector);
    if (result.status >= 300) throw new Error(`creating ${connector.metadata.name} failed: ${result.status} ${JSON.stringify(result.body)}`);
  }

  /** The create call of `apply` alone, answer included: Connect validates the config itself before it stores it. */
  async create(connector: Manifest): Promise<{ status: number; body: any }> {
    const state = String(connector.spec.state ?? 'running').toUpperCase();
    return this.request('POST', '/connectors', { name: connector.metadata.name, config: connectorConfig(connector), initial_state: state });
  }

  /**
   * Makes Connect match a set of KafkaConnectors the way Strimzi's reconciliation does: creates missing
   * connectors, updates changed configs, applies `spec.state`, and deletes connectors that have no
   * KafkaConnector (what `strimzi.io/use-connector-resources: "true"` means).
   */
  async reconcile(connectors: readonly Manifest[]): Promise<void> {
    const existing: string[] = (await this.request('GET', '/connectors')).body;
    for (const name of existing.filter((n) => !connectors.some((c) => c.metadata.name === n))) {
      await this.request('DELETE', `/connectors/${name}`);
    }
    for (const connector of connectors) {
      const name = connector.metadata.name;
      if (!existing.includes(name)) {
        await this.apply(connector);
        continue;
      }
      const current = (await this.request('GET', `/connectors/${name}/config`)).body;
      const desired = connectorConfig(connector);
      if (Object.keys(desired).some((k) => current[k] !== desired[k])) await this.request('PUT', `/connectors/${name}/config`, desired);
      const state = String(connector.spec.state ?? 'running');
      const actual = (await this.status(name))?.connector?.state;
      if (state === 'paused' && actual !== 'PAUSED') await this.request('PUT', `/connectors/${name}/pause`);
      if (state === 'stopped' && actual !== 'STOPPED') await this.request('PUT', `/connectors/${name}/stop`);
      if (state === 'running' && (actual === 'PAUSED' || actual === 'STOPPED')) await this.request('PUT', `/connectors/${name}/resume`);
    }
  }

  /** The validation errors of a config on the real plugin, as `key: message`. */
  async validate(config: Record<string, string>): Promise<string[]> {
    // the validate call needs the name, which connector creation takes from the URL
    const result = await this.request('PUT', `/connector-plugins/${config['connector.class']}/config/validate`, { name: 'validate', ...config });
    if (result.status !== 200) throw new Error(`validate failed: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body.configs.filter((c: any) => c.value).flatMap((c: any) => c.value.errors.map((e: string) => `${c.value.name}: ${e}`));
  }

  async status(name: string): Promise<any> {
    return (await this.request('GET', `/connectors/${name}/status`)).body;
  }

  /** Every connector's status in one call (`GET /connectors?expand=status`), by connector name. */
  async statuses(): Promise<Record<string, any>> {
    const result = await this.request('GET', '/connectors?expand=status');
    if (result.status !== 200) throw new Error(`listing connector statuses failed: ${result.status} ${JSON.stringify(result.body)}`);
    return Object.fromEntries(Object.entries<any>(result.body).map(([name, expanded]) => [name, expanded.status]));
  }
}

/** The Connect config of a KafkaConnector: what Strimzi sends to PUT /connectors/<name>/config. */
export function connectorConfig(connector: Manifest): Record<string, string> {
  return {
    'connector.class': connector.spec.class,
    'tasks.max': String(connector.spec.tasksMax ?? 1),
    ...Object.fromEntries(Object.entries<unknown>(connector.spec.config).map(([k, v]) => [k, String(v)])),
  };
}

/** A password made up at run time: no credential is ever committed. */
export function madeUpPassword(): string {
  return `pw-${randomBytes(12).toString('hex')}`;
}
