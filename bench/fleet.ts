/**
 * `npm run bench:fleet`: a fleet of BENCH_TENANTS (default 200) PostgreSQL tenants on real Kafka Connect
 * and Debezium, measured. It generates the tenants file (one database per tenant, a few tables with rows,
 * on one PostgreSQL with replication slots, WAL senders and connections raised for the fleet), synthesizes
 * it with the constructs unchanged, applies the output to a real API server, starts a Connect worker per
 * synthesized KafkaConnect and the processor of each synthesized Deployment, creates every KafkaConnector
 * through Connect's REST API as Strimzi does, and measures, phase by phase:
 *
 *   fleet start   first connector created -> all created, all tasks RUNNING, every tenant's snapshot on the
 *                 final topic, and a change committed after it arrived (streaming); worker heap and CPU
 *   idle          CPU with nothing to capture; per worker the heap after a full GC, the memory beside
 *                 it, threads and resident memory, per task
 *   latency       changes at a steady rate, each in a random tenant: commit -> final topic, p50/p99;
 *                 CPU; the WAL the replication slots hold back
 *   restart       a worker SIGKILLed and started again while changes keep coming: until every tenant
 *                 streams again, and whether a change was lost (duplicates are allowed: at-least-once)
 *   broken        one tenant's password changed, another's database dropped: what Connect reports for
 *                 them (FAILED with the reason, or RUNNING while it retries), and the others keep streaming
 *
 * Progress goes to stderr, a line per step; the table (markdown) to stdout. Every wait is bounded, every
 * process binds 127.0.0.1, passwords are made up at run time, and everything is stopped and deleted at the
 * end, also on failure or Ctrl-C. It asserts nothing. Knobs: see docs/tests-and-benchmarks.md, "Fleet benchmark".
 */
import * as os from 'os';
import * as path from 'path';
import { sleep } from '../test/e2e/support/kafka';
import { WrittenChange } from './change-writer';
import { ConnectWorker } from './connect-worker';
import { createConnectors } from './connector-creation';
import { cores, FleetReport, mebibytes, quantile, seconds } from './fleet-report';
import { SETTINGS } from './fleet-settings';
import { arrivals, Fleet, setUp, TaskState, taskStates, tenantOf } from './fleet-setup';
import { FleetStack } from './fleet-stack';
import { FLEET_TABLES, FleetTenant } from './fleet-tenants';
import { nonHeapBytes, settledHeapBytes } from './jvm-memory';
import { CpuWindow, memoryAndThreads } from './proc-stats';
import { Progress } from './progress';
import { breakPassword, dropDatabase } from './tenant-breakage';
import { retriedPollErrors } from './worker-log';

function cpuLine(window: ReturnType<CpuWindow['close']>): string {
  const parts = Object.entries(window.cores).map(([name, used]) => `${name} ${cores(used)}`);
  return `${parts.join(' · ')} · machine busy ${cores(window.machineBusyCores)} of ${cores(window.machineCores)} (every user)`;
}

/** Phase 1: every connector created, snapshotted and streaming. Returns when the fleet started, for the heap's peak. */
async function startFleet(fleet: Fleet, progress: Progress, report: FleetReport): Promise<number> {
  const total = fleet.connectors.length;
  progress.say(`fleet start: creating ${total} connectors, ${SETTINGS.createConcurrency} at a time per Connect cluster`);
  const cpu = new CpuWindow(fleet.cpu);
  const firstCreate = Date.now();
  const deadline = firstCreate + SETTINGS.startTimeoutSeconds * 1000;
  const refusals = new Map<string, number>();
  const created = new Set<string>();
  const milestones: Record<'created' | 'running' | 'snapshotted', number | undefined> = { created: undefined, running: undefined, snapshotted: undefined };
  const creating = createConnectors(fleet, SETTINGS.createConcurrency, (name) => {
    created.add(name);
    if (created.size === total) milestones.created = Date.now();
  }, refusals, deadline);
  const probes = new Map<string, WrittenChange>();
  const streamingAt = new Map<string, number>();
  let running = 0;
  let nextLine = 0;
  let nextStatusPoll = 0;
  while (Date.now() < deadline) {
    const now = Date.now();
    if (milestones.running === undefined && now >= nextStatusPoll) {
      // the status of hundreds of connectors is one call, but not free: every 2 s
      running = [...(await taskStates(fleet)).values()].filter((s) => s.task === 'RUNNING').length;
      if (running === total) milestones.running = Date.now();
      nextStatusPoll = now + 2000;
    }
    for (const tenant of fleet.tenants) {
      // a tenant streams once a change committed after its whole snapshot arrived arrives too
      if (!probes.has(tenant.id) && fleet.watcher.snapshotRowsOf(tenant.id) >= fleet.snapshotRowsPerTenant) probes.set(tenant.id, fleet.writer.write(tenant, 'start'));
      const probe = probes.get(tenant.id);
      const arrival = probe && !streamingAt.has(tenant.id) && fleet.watcher.arrival(tenant.id, probe.id);
      if (arrival) streamingAt.set(tenant.id, arrival.producedAt);
    }
    if (probes.size === total) milestones.snapshotted ??= now;
    if (streamingAt.size === total) break;
    if (now >= nextLine) {
      progress.say(`  created ${created.size}/${total}, tasks RUNNING ${running}, snapshots complete ${probes.size}, streaming ${streamingAt.size}`);
      nextLine = now + 10_000;
    }
    await sleep(500);
  }
  const window = cpu.close();
  await Promise.race([creating, sleep(1000)]);
  const allStreaming = streamingAt.size === total ? Math.max(...streamingAt.values()) : undefined;
  const since = (at: number | undefined, what: number) => (at === undefined ? `not reached in ${SETTINGS.startTimeoutSeconds} s (${what}/${total})` : seconds(at - firstCreate));
  progress.say(`  created ${created.size}/${total}, tasks RUNNING ${running}, snapshots complete ${probes.size}, streaming ${streamingAt.size}`);
  report.add(`fleet start, from the first connector created: all ${total} created (REST, ${SETTINGS.createConcurrency} at a time)`, since(milestones.created, created.size));
  report.add(`… all ${total} tasks RUNNING (REST status)`, since(milestones.running, running));
  report.add(`… all ${total} snapshots on the final topic`, since(milestones.snapshotted, probes.size));
  report.add(`… all ${total} streaming (a change committed after the snapshot arrived)`, since(allStreaming, streamingAt.size));
  report.add('Connect REST refusals while creating (retried)', refusals.size === 0 ? 'none' : [...refusals].map(([reason, n]) => `${n}× ${reason}`).join('; '));
  report.add('CPU during fleet start, cores', cpuLine(window));
  return firstCreate;
}

/** A worker's memory at one moment: heap after a full GC, what the JVM committed beside it, threads, resident memory. */
interface WorkerMemory {
  readonly heapBytes: number;
  readonly nonHeapBytes: number;
  readonly threads: number;
  readonly residentBytes: number;
}

function workerMemory(worker: ConnectWorker): WorkerMemory {
  return { heapBytes: settledHeapBytes(worker.pid), nonHeapBytes: nonHeapBytes(worker.pid), ...memoryAndThreads(worker.pid) };
}

/** Phase 2: nothing to capture; CPU, then each worker's memory against its memory before the first connector. */
async function idle(fleet: Fleet, baseline: Map<ConnectWorker, WorkerMemory>, progress: Progress, report: FleetReport): Promise<void> {
  progress.say(`idle: ${SETTINGS.idleSeconds} s without changes, then a full GC in each worker`);
  const window = new CpuWindow(fleet.cpu);
  await sleep(SETTINGS.idleSeconds * 1000);
  report.add(`CPU idle (${SETTINGS.idleSeconds} s, heartbeats only), cores`, cpuLine(window.close()));
  for (const worker of fleet.workers) {
    const tasks = Math.max(1, [...fleet.workerOf.values()].filter((w) => w === worker).length);
    const before = baseline.get(worker)!;
    const after = workerMemory(worker);
    const change = (key: 'heapBytes' | 'nonHeapBytes') => `${mebibytes(before[key])} → ${mebibytes(after[key])}, ${mebibytes((after[key] - before[key]) / tasks)} per task`;
    report.add(`worker ${worker.name}, no connectors → ${tasks} tasks streaming: heap after a full GC`, change('heapBytes'));
    report.add(`… committed beside the heap (native memory tracking); threads; resident memory`,
      `${change('nonHeapBytes')}; ${before.threads} → ${after.threads} threads; ${mebibytes(before.residentBytes)} → ${mebibytes(after.residentBytes)}`);
  }
}

/** Phase 3: changes at a steady rate, each in a random tenant; commit to final topic. */
async function latency(fleet: Fleet, progress: Progress, report: FleetReport): Promise<void> {
  progress.say(`latency: ${SETTINGS.changesPerSecond} changes/s in random tenants for ${SETTINGS.latencySeconds} s`);
  const window = new CpuWindow(fleet.cpu);
  const writing = fleet.writer.steady(fleet.tenants, SETTINGS.changesPerSecond, 'latency');
  await sleep(SETTINGS.latencySeconds * 1000);
  await writing.stop();
  const cpu = window.close();
  const changes = fleet.writer.of('latency');
  progress.say(`  ${changes.length} changes committed; waiting for them on the final topic`);
  const { arrived, missing } = await arrivals(fleet, changes, SETTINGS.drainSeconds * 1000);
  // a change that came in a repeated snapshot has no commit time of its own
  const latencies = arrived.filter(([, a]) => !a.inSnapshot).map(([, a]) => a.producedAt - a.committedAt).sort((a, b) => a - b);
  report.add(`end-to-end latency, commit → final topic (${changes.length} changes at ${SETTINGS.changesPerSecond}/s over ${fleet.tenants.length} tenants)`,
    latencies.length === 0 ? 'no change arrived' : `p50 ${quantile(latencies, 0.5)} ms · p99 ${quantile(latencies, 0.99)} ms · max ${latencies[latencies.length - 1]} ms`
      + (missing.length ? ` · ${missing.length} not arrived after ${SETTINGS.drainSeconds} s` : ''));
  report.add(`CPU at ${SETTINGS.changesPerSecond} changes/s, cores`, cpuLine(cpu));
  // a slot keeps the server's WAL until its connector confirms a position, which it does only for its own tenant's changes
  const [slots, behind, walDir] = fleet.postgres.psql(`SELECT count(*), coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), 0),
    (SELECT sum(size) FROM pg_ls_waldir()) FROM pg_replication_slots`).trim().split('|').map(Number);
  report.add('WAL held back by the replication slots after the latency phase', `${slots} slots; the furthest behind holds ${mebibytes(behind)}; pg_wal is ${mebibytes(walDir)}`);
}

/** Phase 4: a worker SIGKILLed and started again while changes keep coming; nothing may be lost. */
async function restart(fleet: Fleet, progress: Progress, report: FleetReport): Promise<void> {
  const victim = fleet.workers[0];
  const itsTenants = fleet.tenants.filter((t) => fleet.workerOf.get(t.id) === victim);
  const snapshotRowsBefore = new Map(fleet.tenants.map((t) => [t.id, fleet.watcher.snapshotRowsOf(t.id)]));
  progress.say(`restart: ${SETTINGS.changesPerSecond} changes/s go on; the worker of ${victim.name} (${itsTenants.length} tasks) is SIGKILLed after 5 s and started again`);
  const writing = fleet.writer.steady(fleet.tenants, SETTINGS.changesPerSecond, 'restart');
  await sleep(5000);
  const killedAt = Date.now();
  await victim.kill();
  await victim.start();
  const answeringAt = Date.now();
  progress.say(`  the worker answers again after ${seconds(answeringAt - killedAt)}; a change in each of its tenants shows when it streams again`);
  const probes = itsTenants.map((t) => fleet.writer.write(t, 'restart-probe'));
  const deadline = Date.now() + SETTINGS.restartTimeoutSeconds * 1000;
  let nextLine = Date.now() + 10_000;
  let runningAt: number | undefined;
  for (;;) {
    const waiting = probes.filter((c) => !fleet.watcher.arrival(c.tenant, c.id)).length;
    if (runningAt === undefined) {
      const states = await taskStates(fleet);
      if (itsTenants.every((t) => states.get(fleet.connectors.find((c) => tenantOf(c) === t.id)!.metadata.name)?.task === 'RUNNING')) runningAt = Date.now();
    }
    if (waiting === 0 || Date.now() > deadline) break;
    if (Date.now() >= nextLine) {
      progress.say(`  ${probes.length - waiting}/${probes.length} tenants streaming again`);
      nextLine = Date.now() + 10_000;
    }
    await sleep(500);
  }
  await writing.stop();
  const { arrived: probeArrivals } = await arrivals(fleet, probes, 0);
  const allBack = probeArrivals.length === probes.length ? Math.max(...probeArrivals.map(([, a]) => a.producedAt)) : undefined;
  report.add(`worker SIGKILLed and started again at once (${itsTenants.length} tasks), from the kill: its REST API answers / every tenant streaming again`,
    `${seconds(answeringAt - killedAt)} / `
    + (allBack === undefined ? `${probeArrivals.length} of ${probes.length} after ${SETTINGS.restartTimeoutSeconds} s` : seconds(allBack - killedAt))
    // Connect's status topic still holds the killed worker's last word until each task starts again
    + (runningAt === undefined ? '' : `; REST status said all RUNNING ${seconds(runningAt - killedAt)} after the kill already (the killed worker's last status)`));

  progress.say('  waiting for every change of the run on the final topic');
  const everything = fleet.writer.written;
  const { arrived, missing } = await arrivals(fleet, everything, SETTINGS.drainSeconds * 1000);
  const duplicates = arrived.reduce((sum, [, a]) => sum + a.count - 1, 0);
  const resnapshotted = fleet.tenants.filter((t) => fleet.watcher.snapshotRowsOf(t.id) > snapshotRowsBefore.get(t.id)!).length;
  report.add(`changes committed during the run (${fleet.writer.of('restart').length} during the restart): lost / delivered twice / tenants snapshotted again`,
    `${missing.length} of ${everything.length}${missing.length ? ` (e.g. ${missing.slice(0, 3).map((c) => `${c.tenant}#${c.id}`).join(', ')})` : ''} / ${duplicates} / ${resnapshotted}`);
}

/** Phase 5: one tenant's password changed, another's database dropped; both fail alone. */
async function broken(fleet: Fleet, progress: Progress, report: FleetReport): Promise<void> {
  if (fleet.tenants.length < 3) return;
  const pick = () => fleet.tenants[Math.floor(Math.random() * fleet.tenants.length)];
  const wrongPassword = pick();
  let dropped = pick();
  while (dropped === wrongPassword) dropped = pick();
  const healthy = fleet.tenants.filter((t) => t !== wrongPassword && t !== dropped);
  const connectorOf = (tenant: FleetTenant) => fleet.connectors.find((c) => tenantOf(c) === tenant.id)!.metadata.name;
  progress.say(`broken tenants: ${wrongPassword.id}'s password changes in PostgreSQL only, ${dropped.id}'s database is dropped`);
  breakPassword(fleet.postgres, wrongPassword);
  dropDatabase(fleet.postgres, dropped);
  const brokenAt = Date.now();
  const failedAt = new Map<FleetTenant, { at: number; trace?: string }>();
  let last = new Map<string, TaskState>();
  while (failedAt.size < 2 && Date.now() < brokenAt + SETTINGS.brokenTimeoutSeconds * 1000) {
    last = await taskStates(fleet);
    for (const tenant of [wrongPassword, dropped]) {
      const state = last.get(connectorOf(tenant));
      if (!failedAt.has(tenant) && (state?.task === 'FAILED' || state?.connector === 'FAILED')) failedAt.set(tenant, { at: Date.now(), trace: state.trace });
    }
    await sleep(1000);
  }
  for (const [what, tenant] of [['password changed in PostgreSQL, not in the Secret', wrongPassword], ['database dropped', dropped]] as const) {
    const failed = failedAt.get(tenant);
    const state = last.get(connectorOf(tenant));
    // a task in Connect's retry loop stays RUNNING: the worker's log says why
    const retried = state?.taskId ? retriedPollErrors(path.join(fleet.workerOf.get(tenant.id)!.dir, 'worker.log'), state.taskId, brokenAt) : undefined;
    const retries = retried ? `; the worker log shows ${retried.count} retried poll errors, the first ${seconds(retried.first - brokenAt)} after: ${retried.reason}` : '';
    report.add(`broken tenant ${tenant.id}: ${what}`, failed
      ? `FAILED ${seconds(failed.at - brokenAt)} after: ${reasonOf(failed.trace)}`
      : `not FAILED in ${SETTINGS.brokenTimeoutSeconds} s: connector ${state?.connector ?? '?'}, task ${state?.task ?? '?'} in Connect's status${retries}`);
  }

  progress.say(`  a change in each of the other ${healthy.length} tenants`);
  const probes = healthy.map((t) => fleet.writer.write(t, 'broken'));
  const { arrived, missing } = await arrivals(fleet, probes, SETTINGS.drainSeconds * 1000);
  const states = await taskStates(fleet);
  const runningHealthy = healthy.filter((t) => states.get(connectorOf(t))?.task === 'RUNNING').length;
  const latencies = arrived.filter(([, a]) => !a.inSnapshot).map(([, a]) => a.producedAt - a.committedAt).sort((a, b) => a - b);
  report.add(`the other ${healthy.length} tenants meanwhile`, `${runningHealthy} tasks RUNNING; a change in each: ${arrived.length} arrived`
    + (latencies.length ? ` (p50 ${quantile(latencies, 0.5)} ms, max ${latencies[latencies.length - 1]} ms)` : '') + (missing.length ? `, ${missing.length} missing after ${SETTINGS.drainSeconds} s` : ''));
}

/** The most telling line of a Connect stack trace: its deepest cause. */
function reasonOf(trace: string | undefined): string {
  if (!trace) return 'no trace';
  const lines = trace.split('\n').map((l) => l.trim());
  const causes = lines.filter((l) => l.startsWith('Caused by:'));
  return (causes.length ? causes[causes.length - 1].slice('Caused by: '.length) : lines[0]).slice(0, 240);
}

async function main(): Promise<void> {
  const progress = new Progress();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const report = new FleetReport(`bench:fleet: ${SETTINGS.tenants} PostgreSQL tenants (${FLEET_TABLES.length} tables × ${SETTINGS.rowsPerTable} rows), `
    + `${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, load ${load} at start`);
  const stack = new FleetStack();
  const stop = async (signal: string) => {
    progress.say(`${signal}: stopping everything`);
    await stack.stopAll((text) => progress.say(text));
    process.exit(130);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  report.add('PostgreSQL limits', `max_replication_slots ${SETTINGS.postgres.maxReplicationSlots}, max_wal_senders ${SETTINGS.postgres.maxWalSenders}, max_connections ${SETTINGS.postgres.maxConnections}`);
  report.add('processor', `as synthesized${SETTINGS.topicRefreshMs ? `, TOPIC_REFRESH_MS ${SETTINGS.topicRefreshMs}` : ' (new topics looked for every 30 s)'}`);
  try {
    const fleet = await setUp(stack, progress, report);
    const baseline = new Map(fleet.workers.map((w) => [w, workerMemory(w)]));
    const firstCreate = await startFleet(fleet, progress, report);
    await idle(fleet, baseline, progress, report);
    await latency(fleet, progress, report);
    await restart(fleet, progress, report);
    await broken(fleet, progress, report);
    for (const worker of fleet.workers) {
      const events = worker.gcEvents().filter((e) => e.at >= firstCreate);
      if (events.length === 0) continue;
      report.add(`worker ${worker.name}: heap peak from the first connector on, before / after GC (G1 log)`,
        `${mebibytes(Math.max(...events.map((e) => e.beforeBytes)))} / ${mebibytes(Math.max(...events.map((e) => e.afterBytes)))} of ${mebibytes(Math.max(...events.map((e) => e.heapBytes)))}`);
    }
  } catch (error) {
    progress.say(`failed: ${(error as Error).stack ?? error}`);
    report.add('run failed', (error as Error).message.split('\n')[0]);
    process.exitCode = 1;
  } finally {
    progress.say('stopping everything');
    await stack.stopAll((text) => progress.say(text));
  }
  console.log(report.markdown());
}

void main();
