import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
// @ts-expect-error: a plain ES module script shared with the tests and benchmarks
import { prometheusPath } from '../../../scripts/tools.mjs';
import type { Manifest } from '../../support/synth';

/**
 * A real Prometheus for the e2e tests, scraping the real servers through the generated PodMonitors and
 * ServiceMonitors. No Kubernetes service discovery runs here (the servers are local processes), so each
 * target is a static one carrying the `__meta_kubernetes_*` labels Kubernetes SD would give its pod (and
 * Service), and the relabelling is the one the Prometheus Operator generates for the monitor
 * (pkg/prometheus/promcfg.go, generatePodMonitorConfig and generateServiceMonitorConfig, at commit
 * 6adcebc5 of prometheus-operator), the monitor's own `relabelings` last. See docs/tests-and-benchmarks.md.
 */

/** One server a monitor scrapes: where it really listens, and the Kubernetes objects it stands for. */
export interface ScrapeTarget {
  /** `host:port` the server listens on here (stands for the pod's IP and container port). */
  readonly address: string;
  /** The pod's namespace. */
  readonly namespace: string;
  readonly pod: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    /** @default 'Running' */
    readonly phase?: string;
  };
  /** The container and its port the metrics are served on. */
  readonly container: {
    readonly name: string;
    /** The container port's name (a PodMonitor's `port` keeps only targets whose port has that name). */
    readonly portName?: string;
    /** @default - the port of `address` */
    readonly portNumber?: number;
  };
  /** For a ServiceMonitor: the Service in front of the pod and the name of its port. */
  readonly service?: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    /** The Service port's name (a ServiceMonitor's endpoint `port` keeps only targets of that name). */
    readonly portName: string;
  };
}

/** A Prometheus `scrape_configs` entry (snake_case, as in prometheus.yml). */
export type ScrapeConfig = Record<string, unknown>;
type RelabelConfig = Record<string, unknown>;

/** What Kubernetes SD's labels allow in a name: everything else becomes `_` (Prometheus' and the operator's rule). */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** The fields of a monitor this translation reproduces; any other is an error rather than silently dropped. */
const SUPPORTED = {
  PodMonitor: {
    spec: ['selector', 'namespaceSelector', 'podMetricsEndpoints', 'jobLabel', 'podTargetLabels'],
    endpoint: ['port', 'portNumber', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels', 'honorTimestamps', 'filterRunning', 'relabelings'],
  },
  ServiceMonitor: {
    spec: ['selector', 'namespaceSelector', 'endpoints', 'jobLabel', 'targetLabels', 'podTargetLabels'],
    endpoint: ['port', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels', 'honorTimestamps', 'filterRunning', 'relabelings'],
  },
} as const;
const SUPPORTED_SELECTOR = ['matchLabels', 'matchExpressions'];
const SUPPORTED_NAMESPACE_SELECTOR = ['any', 'matchNames'];
const SUPPORTED_RELABELING = ['action', 'regex', 'replacement', 'sourceLabels', 'targetLabel', 'separator', 'modulus'];

function onlySupported(where: string, value: Record<string, unknown> | undefined, supported: readonly string[]): void {
  for (const key of Object.keys(value ?? {})) {
    if (!supported.includes(key)) {
      throw new Error(`${where}.${key} is not translated to a Prometheus scrape config by test/e2e/support/prometheus.ts `
        + `(it translates ${supported.join(', ')}): translate it there as the Prometheus Operator does, or leave it out`);
    }
  }
}

/**
 * The Prometheus `scrape_configs` the Prometheus Operator would generate for every PodMonitor and
 * ServiceMonitor in `manifests`, with Kubernetes SD replaced by static targets: `targets` maps each monitor's
 * name to the servers it should find (an empty list for a monitor that finds none). The relabelling decides,
 * as in a cluster, which of them are kept and with which labels.
 */
export function scrapeConfigs(manifests: readonly Manifest[], targets: Readonly<Record<string, readonly ScrapeTarget[]>>): ScrapeConfig[] {
  const monitors = manifests.filter((m) => m.apiVersion === 'monitoring.coreos.com/v1' && (m.kind === 'PodMonitor' || m.kind === 'ServiceMonitor'));
  const byName = new Map<string, Manifest>();
  for (const monitor of monitors) {
    const other = byName.get(monitor.metadata.name);
    if (other) throw new Error(`two monitors are named ${monitor.metadata.name} (${other.kind} in ${other.metadata.namespace}, ${monitor.kind} in ${monitor.metadata.namespace}): targets are given by monitor name, rename one`);
    byName.set(monitor.metadata.name, monitor);
  }
  for (const name of Object.keys(targets)) {
    if (!byName.has(name)) throw new Error(`targets are given for a monitor named ${name}, but the manifests have only ${[...byName.keys()].join(', ') || 'no PodMonitor or ServiceMonitor'}`);
  }
  const configs: ScrapeConfig[] = [];
  for (const monitor of monitors) {
    const given = targets[monitor.metadata.name];
    if (!given) throw new Error(`no targets given for ${monitor.kind} ${monitor.metadata.name}: give the servers it should find, or [] for none`);
    configs.push(...(monitor.kind === 'PodMonitor' ? podMonitorConfigs(monitor, given) : serviceMonitorConfigs(monitor, given)));
  }
  return configs;
}

function podMonitorConfigs(monitor: Manifest, targets: readonly ScrapeTarget[]): ScrapeConfig[] {
  const { name, namespace } = monitorId(monitor);
  const where = `PodMonitor ${namespace}/${name}`;
  const spec = monitor.spec ?? {};
  onlySupported(`${where} spec`, spec, SUPPORTED.PodMonitor.spec);
  const found = discovered(where, spec, namespace, targets).map(podMetaLabels);
  return (spec.podMetricsEndpoints ?? []).map((ep: any, i: number) => {
    onlySupported(`${where} spec.podMetricsEndpoints[${i}]`, ep, SUPPORTED.PodMonitor.endpoint);
    const relabelings: RelabelConfig[] = [{ source_labels: ['job'], target_label: '__tmp_prometheus_job_name' }];
    if (ep.filterRunning !== false) relabelings.push(runningFilter());
    relabelings.push(...selectorRelabelings(`${where} spec.selector`, spec.selector, 'pod'));
    if (ep.port) relabelings.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: ep.port });
    else if (ep.portNumber) relabelings.push({ action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(ep.portNumber) });
    relabelings.push(
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    );
    relabelings.push(...targetLabelRelabelings('pod', spec.podTargetLabels));
    relabelings.push({ target_label: 'job', replacement: `${namespace}/${name}` });
    if (spec.jobLabel) relabelings.push({ source_labels: [`__meta_kubernetes_pod_label_${sanitize(spec.jobLabel)}`], target_label: 'job', regex: '(.+)', replacement: '${1}' });
    if (ep.port) relabelings.push({ target_label: 'endpoint', replacement: ep.port });
    relabelings.push(...monitorRelabelings(`${where} spec.podMetricsEndpoints[${i}].relabelings`, ep.relabelings));
    relabelings.push(...oneShardRelabelings());
    return scrapeConfig(`podMonitor/${namespace}/${name}/${i}`, ep, found, relabelings);
  });
}

function serviceMonitorConfigs(monitor: Manifest, targets: readonly ScrapeTarget[]): ScrapeConfig[] {
  const { name, namespace } = monitorId(monitor);
  const where = `ServiceMonitor ${namespace}/${name}`;
  const spec = monitor.spec ?? {};
  onlySupported(`${where} spec`, spec, SUPPORTED.ServiceMonitor.spec);
  const found = discovered(where, spec, namespace, targets).map((target, t) => {
    if (!target.service) throw new Error(`${where}: target ${t} (${target.address}) has no service; a ServiceMonitor finds pods through a Service, give its name, labels and port name`);
    return endpointsMetaLabels(target);
  });
  return (spec.endpoints ?? []).map((ep: any, i: number) => {
    onlySupported(`${where} spec.endpoints[${i}]`, ep, SUPPORTED.ServiceMonitor.endpoint);
    const relabelings: RelabelConfig[] = [{ source_labels: ['job'], target_label: '__tmp_prometheus_job_name' }];
    relabelings.push(...selectorRelabelings(`${where} spec.selector`, spec.selector, 'service'));
    // the operator's default service discovery role is `endpoints` (EndpointSlice only when the Prometheus asks for it)
    if (ep.port) relabelings.push({ action: 'keep', source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: ep.port });
    const addressTarget = ['__meta_kubernetes_endpoint_address_target_kind', '__meta_kubernetes_endpoint_address_target_name'];
    relabelings.push(
      { source_labels: addressTarget, separator: ';', regex: 'Node;(.*)', replacement: '${1}', target_label: 'node' },
      { source_labels: addressTarget, separator: ';', regex: 'Pod;(.*)', replacement: '${1}', target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
    );
    if (ep.filterRunning !== false) relabelings.push(runningFilter());
    relabelings.push(...targetLabelRelabelings('service', spec.targetLabels));
    relabelings.push(...targetLabelRelabelings('pod', spec.podTargetLabels));
    relabelings.push({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job', replacement: '${1}' });
    if (spec.jobLabel) relabelings.push({ source_labels: [`__meta_kubernetes_service_label_${sanitize(spec.jobLabel)}`], target_label: 'job', regex: '(.+)', replacement: '${1}' });
    if (ep.port) relabelings.push({ target_label: 'endpoint', replacement: ep.port });
    relabelings.push(...monitorRelabelings(`${where} spec.endpoints[${i}].relabelings`, ep.relabelings));
    relabelings.push(...oneShardRelabelings());
    return scrapeConfig(`serviceMonitor/${namespace}/${name}/${i}`, ep, found, relabelings);
  });
}

function monitorId(monitor: Manifest): { name: string; namespace: string } {
  const { name, namespace } = monitor.metadata;
  if (!namespace) throw new Error(`${monitor.kind} ${name} has no metadata.namespace: the operator names its job and finds its targets by it`);
  return { name, namespace };
}

/** The targets Kubernetes SD would list for the monitor: those in the namespaces it watches (the selector is relabelling). */
function discovered(where: string, spec: any, namespace: string, targets: readonly ScrapeTarget[]): readonly ScrapeTarget[] {
  onlySupported(`${where} spec.namespaceSelector`, spec.namespaceSelector, SUPPORTED_NAMESPACE_SELECTOR);
  const namespaces: string[] | 'any' = spec.namespaceSelector?.any ? 'any' : spec.namespaceSelector?.matchNames ?? [namespace];
  for (const target of targets) {
    if (namespaces !== 'any' && !namespaces.includes(target.namespace)) {
      throw new Error(`${where} watches namespace(s) ${namespaces.join(', ')}, but target ${target.address} is in ${target.namespace}: service discovery would never list it`);
    }
  }
  return targets;
}

function selectorRelabelings(where: string, selector: any, role: 'pod' | 'service'): RelabelConfig[] {
  onlySupported(where, selector, SUPPORTED_SELECTOR);
  const label = (key: string) => [`__meta_kubernetes_${role}_label_${sanitize(key)}`, `__meta_kubernetes_${role}_labelpresent_${sanitize(key)}`];
  const present = (key: string) => [`__meta_kubernetes_${role}_labelpresent_${sanitize(key)}`];
  const matchLabels: Record<string, string> = selector?.matchLabels ?? {};
  const relabelings: RelabelConfig[] = Object.keys(matchLabels).sort()
    .map((key) => ({ action: 'keep', source_labels: label(key), regex: `(${matchLabels[key]});true` }));
  for (const [i, exp] of (selector?.matchExpressions ?? []).entries()) {
    const values = (exp.values ?? []).join('|');
    switch (exp.operator) {
      case 'In': relabelings.push({ action: 'keep', source_labels: label(exp.key), regex: `(${values});true` }); break;
      case 'NotIn': relabelings.push({ action: 'drop', source_labels: label(exp.key), regex: `(${values});true` }); break;
      case 'Exists': relabelings.push({ action: 'keep', source_labels: present(exp.key), regex: 'true' }); break;
      case 'DoesNotExist': relabelings.push({ action: 'drop', source_labels: present(exp.key), regex: 'true' }); break;
      default: throw new Error(`${where}.matchExpressions[${i}].operator is ${JSON.stringify(exp.operator)}; a label selector's operator is In, NotIn, Exists or DoesNotExist`);
    }
  }
  return relabelings;
}

function runningFilter(): RelabelConfig {
  return { action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' };
}

function targetLabelRelabelings(role: 'pod' | 'service', labels: readonly string[] | undefined): RelabelConfig[] {
  return (labels ?? []).map((l) => ({ source_labels: [`__meta_kubernetes_${role}_label_${sanitize(l)}`], target_label: sanitize(l), regex: '(.+)', replacement: '${1}' }));
}

/** The monitor's own relabelings, as the operator's generateRelabelConfig writes them (actions in lower case). */
function monitorRelabelings(where: string, relabelings: readonly any[] | undefined): RelabelConfig[] {
  return (relabelings ?? []).map((r, i) => {
    onlySupported(`${where}[${i}]`, r, SUPPORTED_RELABELING);
    const out: RelabelConfig = {};
    if (r.sourceLabels?.length) out.source_labels = r.sourceLabels;
    if (r.separator !== undefined) out.separator = r.separator;
    if (r.targetLabel) out.target_label = r.targetLabel;
    if (r.regex) out.regex = r.regex;
    if (r.modulus) out.modulus = r.modulus;
    if (r.replacement !== undefined) out.replacement = r.replacement;
    if (r.action) out.action = String(r.action).toLowerCase();
    return out;
  });
}

/**
 * The sharding rules the operator always appends, for the one shard of a Prometheus without `shards`: its
 * config reloader substitutes `$(SHARD)` with 0, as done here. They keep every target.
 */
function oneShardRelabelings(): RelabelConfig[] {
  return [
    { source_labels: ['__address__', '__tmp_hash'], target_label: '__tmp_hash', regex: '(.+);', replacement: '$1', action: 'replace' },
    { source_labels: ['__tmp_hash'], target_label: '__tmp_hash', modulus: 1, action: 'hashmod' },
    { source_labels: ['__tmp_hash', '__tmp_disable_sharding'], regex: '0;|.+;.+', action: 'keep' },
  ];
}

function scrapeConfig(jobName: string, ep: any, found: ReadonlyArray<{ address: string; labels: Record<string, string> }>, relabelings: RelabelConfig[]): ScrapeConfig {
  const config: ScrapeConfig = { job_name: jobName };
  if (ep.honorLabels) config.honor_labels = true;
  if (ep.honorTimestamps !== undefined) config.honor_timestamps = ep.honorTimestamps;
  // Kubernetes SD, replaced: one static group per target, so each keeps its own __meta labels
  config.static_configs = found.map((t) => ({ targets: [t.address], labels: t.labels }));
  if (ep.interval) config.scrape_interval = ep.interval;
  if (ep.scrapeTimeout) config.scrape_timeout = ep.scrapeTimeout;
  if (ep.path) config.metrics_path = ep.path;
  if (ep.scheme) config.scheme = ep.scheme;
  config.relabel_configs = relabelings;
  return config;
}

function labelsOf(prefix: string, labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    out[`${prefix}_label_${sanitize(key)}`] = value;
    out[`${prefix}_labelpresent_${sanitize(key)}`] = 'true';
  }
  return out;
}

function portOf(target: ScrapeTarget): string {
  const port = target.container.portNumber ?? Number(target.address.split(':').pop());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`target address ${target.address} has no port: give host:port`);
  return String(port);
}

/** The labels Kubernetes SD's `pod` role gives a container port of a pod (those a relabelling could read). */
function podLabels(target: ScrapeTarget): Record<string, string> {
  const { pod, container } = target;
  return {
    __meta_kubernetes_namespace: target.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: target.address.replace(/:\d+$/, ''),
    __meta_kubernetes_pod_phase: pod.phase ?? 'Running',
    __meta_kubernetes_pod_ready: 'true',
    ...labelsOf('__meta_kubernetes_pod', pod.labels),
    __meta_kubernetes_pod_container_name: container.name,
    __meta_kubernetes_pod_container_init: 'false',
    ...(container.portName ? { __meta_kubernetes_pod_container_port_name: container.portName } : {}),
    __meta_kubernetes_pod_container_port_number: portOf(target),
    __meta_kubernetes_pod_container_port_protocol: 'TCP',
  };
}

function podMetaLabels(target: ScrapeTarget): { address: string; labels: Record<string, string> } {
  return { address: target.address, labels: podLabels(target) };
}

/** The labels Kubernetes SD's `endpoints` role gives a Service's endpoint backed by a pod. */
function endpointsMetaLabels(target: ScrapeTarget): { address: string; labels: Record<string, string> } {
  const service = target.service!;
  return {
    address: target.address,
    labels: {
      ...podLabels(target),
      __meta_kubernetes_endpoints_name: service.name,
      // the endpoints controller copies the Service's labels onto its Endpoints
      ...labelsOf('__meta_kubernetes_endpoints', service.labels),
      __meta_kubernetes_endpoint_ready: 'true',
      __meta_kubernetes_endpoint_port_name: service.portName,
      __meta_kubernetes_endpoint_port_protocol: 'TCP',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_endpoint_address_target_name: target.pod.name,
      __meta_kubernetes_service_name: service.name,
      ...labelsOf('__meta_kubernetes_service', service.labels),
    },
  };
}

/** The prometheus.yml for these scrape configs. */
export function prometheusConfig(configs: readonly ScrapeConfig[], scrapeInterval = '1s'): string {
  return stringify({ global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval }, scrape_configs: configs });
}

/** One series of a query's answer. */
export interface Series {
  readonly metric: Record<string, string>;
  /** [unix seconds, value] of an instant query. */
  readonly value?: [number, string];
  /** [unix seconds, value]s of a range query. */
  readonly values?: Array<[number, string]>;
}

export interface ActiveTarget {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly labels: Record<string, string>;
  readonly discoveredLabels: Record<string, string>;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

export interface PrometheusServer {
  readonly url: string;
  readonly dir: string;
  /** The config file it runs with. */
  readonly configFile: string;
  readonly child: ChildProcess;
  /** An instant query (a scalar answer becomes one series without labels); throws with Prometheus' error. */
  query(expr: string, time?: Date | number): Promise<Series[]>;
  /** A range query, `step` in seconds. */
  queryRange(expr: string, start: Date | number, end: Date | number, step: number): Promise<Series[]>;
  /** The values of a label, on the series that match any of `match` (all series when empty). */
  labelValues(label: string, match?: readonly string[]): Promise<string[]>;
  /** The targets the relabelling kept, with their health. */
  targets(): Promise<ActiveTarget[]>;
  /** Whether a scraped target exposes `metric` (its TYPE or HELP, samples or not: Prometheus' metadata API). */
  hasMetadata(metric: string): Promise<boolean>;
  /** Waits until `count` targets (default: every static target of the config) are kept and have been scraped up. */
  waitForTargetsUp(options?: { count?: number; timeoutMs?: number }): Promise<ActiveTarget[]>;
}

const seconds = (t: Date | number) => (t instanceof Date ? t.getTime() / 1000 : t);

/**
 * Runs the Prometheus server (scripts/tools.mjs prometheusPath) on 127.0.0.1:`port` with its TSDB and log in
 * `dir`, scraping with `scrapeConfigs` every `scrapeInterval`, and waits until it is ready.
 */
export async function startPrometheus(options: { dir: string; port: number; scrapeConfigs: readonly ScrapeConfig[]; scrapeInterval?: string }): Promise<PrometheusServer> {
  const { dir, port } = options;
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, prometheusConfig(options.scrapeConfigs, options.scrapeInterval));
  const log = fs.openSync(path.join(dir, 'prometheus.log'), 'a');
  const child = spawn(prometheusPath(), [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=info',
    // hand new targets to the scrapers within a second rather than 5 (its default): nothing here changes often
    '--scrape.discovery-reload-interval=1s',
  ], { cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const logTail = () => fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').split('\n').slice(-20).join('\n');

  const api = async (endpoint: string, params: Array<[string, string]>): Promise<any> => {
    const response = await fetch(`${url}/api/v1/${endpoint}`, { method: 'POST', body: new URLSearchParams(params) });
    const body: any = await response.json().catch(() => ({ status: 'error', error: `HTTP ${response.status}, not JSON` }));
    if (body.status !== 'success') throw new Error(`Prometheus ${endpoint} ${JSON.stringify(Object.fromEntries(params))}: ${body.errorType ?? ''} ${body.error}`);
    return body.data;
  };
  const series = (data: any): Series[] => (data.resultType === 'scalar' ? [{ metric: {}, value: data.result }] : data.result);
  const staticTargets = options.scrapeConfigs.reduce((n, c: any) => n + (c.static_configs ?? []).reduce((m: number, s: any) => m + s.targets.length, 0), 0);

  const server: PrometheusServer = {
    url, dir, configFile, child,
    query: async (expr, time) => series(await api('query', [['query', expr], ...(time === undefined ? [] : [['time', String(seconds(time))] as [string, string]])])),
    queryRange: async (expr, start, end, step) => series(await api('query_range', [['query', expr], ['start', String(seconds(start))], ['end', String(seconds(end))], ['step', String(step)]])),
    labelValues: async (label, match = []) => {
      const params = new URLSearchParams(match.map((m): [string, string] => ['match[]', m]));
      const response = await fetch(`${url}/api/v1/label/${encodeURIComponent(label)}/values?${params}`);
      const body: any = await response.json();
      if (body.status !== 'success') throw new Error(`Prometheus label values of ${label} ${JSON.stringify(match)}: ${body.error}`);
      return body.data;
    },
    hasMetadata: async (metric) => {
      const response = await fetch(`${url}/api/v1/metadata?${new URLSearchParams({ metric })}`);
      const body: any = await response.json();
      return Object.keys(body.data ?? {}).includes(metric);
    },
    targets: async () => {
      const response = await fetch(`${url}/api/v1/targets?state=active`);
      const body: any = await response.json();
      return body.data.activeTargets;
    },
    waitForTargetsUp: async ({ count = staticTargets, timeoutMs = 60_000 } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const active = await server.targets();
        if (active.length >= count && active.every((t) => t.health === 'up')) return active;
        if (child.exitCode !== null) throw new Error(`Prometheus exited ${child.exitCode}:\n${logTail()}`);
        if (Date.now() > deadline) {
          const response = await fetch(`${url}/api/v1/targets?state=dropped`);
          const dropped: any[] = ((await response.json()) as any).data.droppedTargets;
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} targets up; active: `
            + `${JSON.stringify(active.map((t) => ({ pool: t.scrapePool, url: t.scrapeUrl, health: t.health, lastError: t.lastError })))}; `
            + `dropped by the relabelling: ${JSON.stringify(dropped.map((t) => t.discoveredLabels))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prometheus exited ${child.exitCode} at start (config ${configFile}):\n${logTail()}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return server;
    if (Date.now() > deadline) {
      await stopPrometheus(server);
      throw new Error(`Prometheus not ready on ${url} after 60 s:\n${logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Stops the server (SIGTERM, SIGKILL after 10 s) and waits for it to exit; its dir is left to the caller. */
export async function stopPrometheus(server: PrometheusServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A Strimzi Connect pod as the PodMonitor's service discovery would see it: the labels Strimzi's operator
 * puts on a KafkaConnect's pods (its `Labels` for component type `kafka-connect`), the container
 * `<cluster>-connect` and the JMX exporter's port `tcp-prometheus` (9404), served here at `address`.
 */
export function strimziConnectTarget(options: { cluster: string; namespace: string; address: string; replica?: number }): ScrapeTarget {
  const { cluster, namespace, address } = options;
  return {
    address,
    namespace,
    pod: {
      name: `${cluster}-connect-${options.replica ?? 0}`,
      labels: {
        'strimzi.io/cluster': cluster,
        'strimzi.io/name': `${cluster}-connect`,
        'strimzi.io/kind': 'KafkaConnect',
        'strimzi.io/component-type': 'kafka-connect',
        'app.kubernetes.io/name': 'kafka-connect',
        'app.kubernetes.io/instance': cluster,
        'app.kubernetes.io/part-of': `strimzi-${cluster}`,
        'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
      },
    },
    container: { name: `${cluster}-connect`, portName: 'tcp-prometheus', portNumber: 9404 },
  };
}

/**
 * The processor's pod behind its metrics Service as the ServiceMonitor's service discovery would see it,
 * from the synthesized objects: the Service `<processor>-metrics` (its labels and port name) and the
 * Deployment `<processor>` (its pod template's labels and container), served here at `address`.
 */
export function processorTarget(manifests: readonly Manifest[], options: { processor: string; address: string; pod?: string }): ScrapeTarget {
  const { processor, address } = options;
  const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === `${processor}-metrics`);
  const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === processor);
  if (!service || !deployment) throw new Error(`the manifests have no Service ${processor}-metrics or no Deployment ${processor}: is ${processor} the processor's name?`);
  const [port] = service.spec.ports;
  const container = deployment.spec.template.spec.containers[0];
  return {
    address,
    namespace: deployment.metadata.namespace!,
    pod: { name: options.pod ?? `${processor}-0`, labels: deployment.spec.template.metadata.labels },
    container: { name: container.name, portNumber: Number(port.targetPort ?? port.port) },
    service: { name: service.metadata.name, labels: service.metadata.labels, portName: port.name },
  };
}
