import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { argoCdHealthCheckData } from '../../src';
import { strimziProblems } from '../support/schemas';
import type { Manifest } from '../support/synth';

/**
 * The Argo CD health checks of argocd/health/, run by luacheck (test/argocd/luacheck): gopher-lua, the Lua
 * interpreter Argo CD embeds, loading each script as Argo CD does, on status documents shaped like
 * Strimzi 1.2's (test/argocd/kafkaconnector/, test/argocd/kafkaconnect/).
 *
 * Each check runs twice: with the standard libraries open (what docs/argocd-and-helm.md and ArgoCdHealthChecks install) and
 * without (argocd-cm's default for a custom check), where the messages quote no trace and the verdicts hold,
 * but for the two that read a message (Connect's 409, a CompletionException's cause).
 */
const root = path.join(__dirname, '..', '..');

interface Health { status?: string; message?: string; error?: string }
interface Expected { status: string; message: string | RegExp }
/** What a fixture must give with open libraries, and what differs without them. */
interface Expectation extends Expected { withoutOpenLibs?: Partial<Expected> }

function luacheckBin(): string {
  const bin = process.env.LUACHECK_BIN;
  if (!bin) throw new Error('LUACHECK_BIN is not set: run the tests with vitest, whose global setup builds luacheck');
  return bin;
}

function writeScript(lua: string): string {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'luacheck-')), 'check.lua');
  fs.writeFileSync(script, lua);
  return script;
}

/** Runs a health script on each object, in one luacheck process. */
function healthOf(script: string, objects: readonly object[], openLibs: boolean): Health[] {
  const input = objects.map((o) => JSON.stringify(o)).join('\n');
  const output = execFileSync(luacheckBin(), ['-script', script, ...(openLibs ? ['-open-libs'] : [])], { input, encoding: 'utf8' });
  return output.trim().split('\n').map((line) => JSON.parse(line));
}

function fixtures(dir: string): Map<string, Manifest> {
  const folder = path.join(__dirname, dir);
  return new Map(fs.readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort().map((f) => [f, parse(fs.readFileSync(path.join(folder, f), 'utf8'))]));
}

function expectHealth(actual: Health, expected: Expected): void {
  expect(actual.error).toBeUndefined();
  expect(actual.status).toBe(expected.status);
  if (typeof expected.message === 'string') expect(actual.message).toBe(expected.message);
  else expect(actual.message).toMatch(expected.message);
}

/** Checks a script on every fixture of a folder, with and without the standard libraries. */
function describeHealthCheck(script: string, fixtureDir: string, expectations: Record<string, Expectation>): void {
  const objects = fixtures(fixtureDir);
  const names = [...objects.keys()];

  test('every fixture has an expectation, and every expectation a fixture', () => {
    expect(names).toEqual(Object.keys(expectations).sort());
  });

  test.each(names)('%s, with the standard libraries open', (name) => {
    const [health] = healthOf(path.join(root, script), [objects.get(name)!], true);
    expectHealth(health, expectations[name]);
  });

  test.each(names)('%s, without them (argocd-cm\'s default)', (name) => {
    const [health] = healthOf(path.join(root, script), [objects.get(name)!], false);
    const { withoutOpenLibs, ...withOpenLibs } = expectations[name];
    expectHealth(health, { ...withOpenLibs, ...withoutOpenLibs });
  });
}

const AUTO_RESTART_HINT = 'restart it with the annotation strimzi.io/restart=true';

describe('KafkaConnector health (argocd/health/kafkaconnector.lua)', () => {
  describeHealthCheck('argocd/health/kafkaconnector.lua', 'kafkaconnector', {
    'running.yaml': { status: 'Healthy', message: 'The connector and its task are RUNNING' },
    'running-group-with-warning.yaml': {
      status: 'Healthy',
      message: 'The connector and 4 tasks are RUNNING; warning: RestartConnector: Invalid annotation format',
    },
    'running-after-auto-restarts.yaml': {
      status: 'Healthy',
      message: 'The connector and its task are RUNNING; Strimzi auto-restarted it 2 times recently',
    },
    'task-failed.yaml': {
      status: 'Degraded',
      message: 'task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer. '
        + 'This connector will be stopped. (caused by com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user \'cdc_acme\'. '
        + 'ClientConnectionId:3f9c1a2e-7b4d-4e0f-a6c8-1d2e3f4a5b6c); Strimzi auto-restarted it 3 times and tries again after its back-off',
      withoutOpenLibs: { message: 'task 0 FAILED; Strimzi auto-restarted it 3 times and tries again after its back-off' },
    },
    'connector-failed.yaml': {
      status: 'Degraded',
      message: 'connector FAILED: org.apache.kafka.connect.errors.ConnectException: Failed to start connector: umbrella '
        + '(caused by org.apache.kafka.common.config.ConfigException: Failed to retrieve Secret umbrella-db from Kubernetes namespace cdc); '
        + 'Strimzi auto-restarted it 1 time and tries again after its back-off',
      withoutOpenLibs: { message: 'connector FAILED; Strimzi auto-restarted it 1 time and tries again after its back-off' },
    },
    'task-failed-max-restarts.yaml': {
      status: 'Degraded',
      message: 'tasks 0, 1 FAILED: org.apache.kafka.connect.errors.ConnectException: software.amazon.awssdk.services.s3.model.S3Exception: '
        + `Access Denied (Service: S3, Status Code: 403); Strimzi gave up after 5 auto-restarts (maxRestarts 5): ${AUTO_RESTART_HINT}`,
      withoutOpenLibs: { message: `tasks 0, 1 FAILED; Strimzi gave up after 5 auto-restarts (maxRestarts 5): ${AUTO_RESTART_HINT}` },
    },
    'task-failed-no-auto-restart.yaml': {
      status: 'Degraded',
      // the root cause is left out when the first line already names it
      message: `task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: java.nio.file.AccessDeniedException: /tmp/audit.txt; auto-restart is off: ${AUTO_RESTART_HINT}`,
      withoutOpenLibs: { message: `task 0 FAILED; auto-restart is off: ${AUTO_RESTART_HINT}` },
    },
    'auto-restarting.yaml': { status: 'Progressing', message: 'Auto-restart 2 in progress: task 0 is RESTARTING' },
    // paused or stopped on purpose: Argo CD's Suspended (pausedConnectorHealth: 'Healthy' for Applications with sync waves, see the next describe)
    'paused.yaml': { status: 'Suspended', message: 'Paused as spec.state asks' },
    'pausing.yaml': { status: 'Progressing', message: 'Pausing: task 0 is RUNNING' },
    'stopped.yaml': { status: 'Suspended', message: 'Stopped as spec.state asks; Connect keeps its configuration and offsets' },
    // its Connect cluster scaled to 0 on purpose; before, Strimzi's RuntimeException made it Degraded
    'connect-scaled-to-zero.yaml': {
      status: 'Suspended',
      message: 'Not running: its Connect cluster debezium-connect-b has 0 replicas, as its spec.replicas asks',
    },
    'cannot-pause-failed.yaml': { status: 'Degraded', message: 'Connector stark cannot be paused since it is in failed state.' },
    'not-reconciled.yaml': { status: 'Progressing', message: 'Waiting for Strimzi to reconcile generation 4 (the status is of generation 3)' },
    'no-status.yaml': { status: 'Progressing', message: 'Waiting for Strimzi to reconcile the connector' },
    'tasks-not-started.yaml': { status: 'Progressing', message: 'Starting: the connector is RUNNING, its tasks are not started yet' },
    'reconciliation-paused.yaml': {
      status: 'Suspended',
      message: 'Strimzi does not reconcile it while the annotation strimzi.io/pause-reconciliation is "true"',
    },
    'connect-unreachable.yaml': { status: 'Progressing', message: 'ConnectException; Strimzi retries on its next reconciliation' },
    'connect-timed-out.yaml': {
      status: 'Progressing',
      message: 'HttpConnectTimeoutException: HTTP connect timed out; Strimzi retries on its next reconciliation',
      // the wrapped exception's class is read from the message, which takes the string library
      withoutOpenLibs: { status: 'Degraded', message: 'CompletionException: java.net.http.HttpConnectTimeoutException: HTTP connect timed out' },
    },
    'connect-rebalancing.yaml': {
      status: 'Progressing',
      message: 'ConnectRestException: GET /connectors/hooli/config returned 409 (409): Cannot complete request because of a conflicting '
        + 'operation (e.g. worker rebalance); Strimzi retries on its next reconciliation',
      withoutOpenLibs: { status: 'Degraded', message: /^ConnectRestException: GET \/connectors\/hooli\/config returned 409 \(409\): .*rebalance\)$/ },
    },
    'secret-not-readable.yaml': {
      status: 'Degraded',
      message: 'ConnectRestException: POST /connectors returned 500 (500): Failed to retrieve Secret wayne-db from Kubernetes namespace cdc',
      withoutOpenLibs: { message: /^CompletionException: io\.strimzi\.operator\.cluster\.operator\.assembly\.ConnectRestException: POST \/connectors returned 500/ },
    },
    'connect-cluster-missing.yaml': {
      status: 'Degraded',
      message: 'NoSuchResourceException: KafkaConnect resource \'debezium-connect-c\' identified by label \'strimzi.io/cluster\' does not exist in namespace cdc.',
    },
  });

  test('odd but possible documents: nulls, tasks without ids or traces, an empty status', () => {
    const connector = parse(fs.readFileSync(path.join(__dirname, 'kafkaconnector', 'running.yaml'), 'utf8'));
    const variant = (status: object) => ({ ...connector, status: { ...connector.status, ...status } });
    const odd = [
      { ...connector, status: {} },
      variant({ conditions: null }),
      // JSON null in an array is dropped on the way into Lua, as in Argo CD: one task is left
      variant({ connectorStatus: { ...connector.status.connectorStatus, tasks: [null, { id: 0, state: 'RUNNING' }] } }),
      variant({ connectorStatus: { connector: { state: 'RUNNING' }, tasks: [{ state: 'FAILED' }] }, conditions: [{ type: 'NotReady', status: 'True' }] }),
      variant({ connectorStatus: null }),
      variant({ autoRestart: { count: 4 } }),
    ];
    for (const openLibs of [true, false]) {
      expect(healthOf(path.join(root, 'argocd/health/kafkaconnector.lua'), odd, openLibs)).toEqual([
        { status: 'Progressing', message: 'Waiting for Strimzi to reconcile generation 3 (the status is of generation 0)' },
        { status: 'Progressing', message: 'Waiting for Strimzi to report the connector Ready' },
        { status: 'Healthy', message: 'The connector and its task are RUNNING' },
        { status: 'Degraded', message: 'task nil FAILED; Strimzi restarts it on its next reconciliation' },
        { status: 'Progressing', message: 'Waiting for Kafka Connect to report the connector\'s state' },
        { status: 'Healthy', message: 'The connector and its task are RUNNING; Strimzi auto-restarted it 4 times recently' },
      ]);
    }
  });
});

describe('KafkaConnector health with pausedConnectorHealth: "Healthy" (ArgoCdHealthChecks)', () => {
  test('a connector paused or stopped on purpose, or on a cluster scaled to 0, is Healthy; every other verdict stays', () => {
    const lua = argoCdHealthCheckData({ pausedConnectorHealth: 'Healthy' })['resource.customizations.health.kafka.strimzi.io_KafkaConnector'];
    const objects = fixtures('kafkaconnector');
    const standard = healthOf(path.join(root, 'argocd/health/kafkaconnector.lua'), [...objects.values()], true);
    const variant = healthOf(writeScript(lua), [...objects.values()], true);
    const changed = [...objects.keys()].filter((_, i) => JSON.stringify(variant[i]) !== JSON.stringify(standard[i]));
    expect(changed).toEqual(['connect-scaled-to-zero.yaml', 'paused.yaml', 'stopped.yaml']);
    for (const name of changed) {
      const i = [...objects.keys()].indexOf(name);
      expect(variant[i]).toEqual({ ...standard[i], status: 'Healthy' });
    }
  });
});

describe('KafkaConnect health with pausedConnectorHealth: "Healthy" (ArgoCdHealthChecks)', () => {
  test('is the same check: a cluster scaled to 0 is Healthy either way (Suspended in the first wave would hold every later one)', () => {
    const lua = argoCdHealthCheckData({ pausedConnectorHealth: 'Healthy' })['resource.customizations.health.kafka.strimzi.io_KafkaConnect'];
    const objects = fixtures('kafkaconnect');
    const standard = healthOf(path.join(root, 'argocd/health/kafkaconnect.lua'), [...objects.values()], false);
    expect(healthOf(writeScript(lua), [...objects.values()], false)).toEqual(standard);
  });
});

describe('KafkaConnect health (argocd/health/kafkaconnect.lua)', () => {
  describeHealthCheck('argocd/health/kafkaconnect.lua', 'kafkaconnect', {
    'ready.yaml': { status: 'Healthy', message: 'Ready with 2 replicas' },
    // scaled to 0 on purpose: no worker, so none of its connectors runs (they say Suspended); Healthy like a Deployment at 0
    'scaled-to-zero.yaml': { status: 'Healthy', message: 'Scaled to 0 replicas as spec.replicas asks: none of its connectors runs' },
    // Argo CD's built-in check says Healthy here
    'rolling-out.yaml': { status: 'Progressing', message: 'Waiting for Strimzi to roll out generation 6 (the status is of generation 5)' },
    'no-status.yaml': { status: 'Progressing', message: 'Waiting for Strimzi to deploy the Kafka Connect cluster' },
    'build-failed.yaml': { status: 'Degraded', message: 'The Kafka Connect build failed' },
    // Argo CD's built-in check says Progressing here, for as long as the annotation stays
    'reconciliation-paused.yaml': {
      status: 'Suspended',
      message: 'Strimzi does not reconcile it while the annotation strimzi.io/pause-reconciliation is "true"',
    },
  });
});

test('the fixtures are shaped as Strimzi 1.2\'s CRDs allow (unknown fields are errors)', () => {
  const all = [...fixtures('kafkaconnector').values(), ...fixtures('kafkaconnect').values()];
  expect(all).toHaveLength(28);
  expect(strimziProblems(all)).toEqual([]);
});

describe('luacheck runs a script as Argo CD does', () => {
  const run = (lua: string, object: object, openLibs: boolean): Health => healthOf(writeScript(lua), [object], openLibs)[0];

  test('the string library is there only with open libraries; base and table always are', () => {
    const lua = 'return { status = "Healthy", message = type(string) .. " " .. type(table.concat) .. " " .. type(ipairs) }';
    expect(run(lua, {}, false)).toEqual({ status: 'Healthy', message: 'nil function function' });
    expect(run(lua, {}, true)).toEqual({ status: 'Healthy', message: 'table function function' });
  });

  test('numbers are Lua numbers, booleans booleans, and a null field is absent', () => {
    const lua = 'return { status = "Healthy", message = tostring(obj.a + 1) .. " " .. tostring(obj.b) .. " " .. tostring(obj.c == nil) .. " " .. tostring(obj.d) }';
    expect(run(lua, { a: 41, b: true, c: null, d: 2.5 }, false)).toEqual({ status: 'Healthy', message: '42 true true 2.5' });
  });

  test('an unknown status is Unknown, an empty table no status, a failing script an error, as Argo CD has them', () => {
    expect(run('return { status = "Fine" }', {}, false)).toEqual({ status: 'Unknown', message: 'Lua returned an invalid health status' });
    expect(run('return {}', {}, false)).toEqual({});
    expect(run('return obj.status.conditions[1]', {}, false).error).toMatch(/attempt to index a non-table object\(nil\)/);
    expect(run('local s = ("x"):upper() return { status = "Healthy" }', {}, false).error).toMatch(/attempt to index a non-table object\(string\)/);
  });
});
