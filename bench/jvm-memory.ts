import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** jcmd of the JDK that runs the workers (Java 17 on PATH, or JAVA_HOME's). */
const JCMD = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'jcmd') : 'jcmd';

const UNITS: Record<string, number> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

function jcmd(pid: number, ...command: string[]): string {
  return execFileSync(JCMD, [String(pid), ...command], { encoding: 'utf8', timeout: 120_000 });
}

/**
 * The heap a JVM still uses after a full collection (`jcmd GC.run`, then `GC.heap_info`), in bytes: its
 * live set, what the heap must hold at least. Through the attach API, so the worker needs no JMX port.
 */
export function settledHeapBytes(pid: number): number {
  jcmd(pid, 'GC.run');
  const info = jcmd(pid, 'GC.heap_info');
  const match = /heap\s+total \d+K, used (\d+)K/.exec(info);
  if (!match) throw new Error(`no heap use in jcmd ${pid} GC.heap_info:\n${info}`);
  return Number(match[1]) * 1024;
}

/** The JVM flag that lets `nonHeapBytes` ask the JVM for its own memory beside the heap (a few % of overhead). */
export const NATIVE_MEMORY_TRACKING = '-XX:NativeMemoryTracking=summary';

/**
 * What a JVM started with NATIVE_MEMORY_TRACKING has committed beside the Java heap, in bytes: thread
 * stacks, metaspace, code cache, GC structures, direct buffers. A container must fit it next to -Xmx.
 */
export function nonHeapBytes(pid: number): number {
  const summary = jcmd(pid, 'VM.native_memory', 'summary');
  const total = /Total: reserved=\d+KB, committed=(\d+)KB/.exec(summary);
  const heap = /Java Heap \(reserved=\d+KB, committed=(\d+)KB\)/.exec(summary);
  if (!total || !heap) throw new Error(`no totals in jcmd ${pid} VM.native_memory summary:\n${summary.slice(0, 500)}`);
  return (Number(total[1]) - Number(heap[1])) * 1024;
}

/** The JVM flag that makes it log every collection to `file` with wall-clock milliseconds, for `gcEvents`. */
export function gcLogOption(file: string): string {
  return `-Xlog:gc:file=${file}:timemillis`;
}

/** One collection from a unified GC log: heap in use before and after it, and the heap's size. */
export interface GcEvent {
  readonly at: number;
  readonly beforeBytes: number;
  readonly afterBytes: number;
  readonly heapBytes: number;
}

/** The collections logged in a file written with `gcLogOption`, e.g. `[1764218400123ms] GC(3) Pause Young ... 250M->60M(1024M) 5.1ms`. */
export function gcEvents(file: string): GcEvent[] {
  if (!fs.existsSync(file)) return [];
  const events: GcEvent[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^\[(\d+)ms\].* (\d+)([BKMG])->(\d+)([BKMG])\((\d+)([BKMG])\)/.exec(line);
    if (!match) continue;
    const [, at, before, beforeUnit, after, afterUnit, heap, heapUnit] = match;
    events.push({ at: Number(at), beforeBytes: Number(before) * UNITS[beforeUnit], afterBytes: Number(after) * UNITS[afterUnit], heapBytes: Number(heap) * UNITS[heapUnit] });
  }
  return events;
}

/**
 * The heap Strimzi gives a KafkaConnect's workers: `spec.jvmOptions` -Xmx (and -Xms) when set, else
 * -Xms = -Xmx = 75 % of the container's memory limit (its dynamic heap for Connect), else 1g.
 */
export function strimziHeap(spec: { jvmOptions?: Record<string, unknown>; resources?: { limits?: Record<string, unknown> } }): { max: string; initial?: string } {
  const explicit = spec.jvmOptions?.['-Xmx'];
  if (typeof explicit === 'string') {
    const initial = spec.jvmOptions?.['-Xms'];
    return { max: explicit, ...(typeof initial === 'string' && { initial }) };
  }
  const memory = spec.resources?.limits?.memory;
  if (memory === undefined) return { max: '1g' };
  const heap = `${Math.floor((quantityBytes(String(memory)) * 0.75) / 1024 ** 2)}m`;
  return { max: heap, initial: heap };
}

/** A Kubernetes memory quantity (`2Gi`, `1500M`, `2147483648`) in bytes. */
function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const factor: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(match[1]) * factor[match[2] ?? ''];
}
