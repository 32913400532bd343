import { describe, expect, test } from 'vitest';
import { SIZING, sizeConnectCluster } from '../../src/fleet/sizing';

describe('sizeConnectCluster', () => {
  test('a small cluster gets the minimum: two workers of 2Gi', () => {
    expect(sizeConnectCluster({ name: 'c' }, 6)).toEqual({ replicas: 2, memory: '2Gi', warnings: [] });
  });

  test('workers and memory grow with the tasks, keeping one worker spare', () => {
    const size = sizeConnectCluster({ name: 'c' }, 300);
    expect(size.replicas).toBe(Math.ceil(300 / SIZING.maxTasksPerWorker) + 1);
    const perWorker = Math.ceil(300 / (size.replicas - 1));
    const mib = Number(/^(\d+)Mi$/.exec(size.memory)?.[1] ?? Number(/^(\d+)Gi$/.exec(size.memory)![1]) * 1024);
    expect(mib * 0.75).toBeGreaterThanOrEqual(SIZING.baseHeapMiB + SIZING.heapPerTaskMiB * perWorker);
    expect(mib % 256).toBe(0);
    expect(size.warnings).toEqual([]);
  });

  test('keeps what the file sets, and warns when it cannot hold the tasks', () => {
    const size = sizeConnectCluster({ name: 'c', replicas: 2, memory: '1Gi' }, 300);
    expect(size).toMatchObject({ replicas: 2, memory: '1Gi' });
    expect(size.warnings).toEqual([
      expect.stringMatching(/^connect: Connect cluster c would run 300 tasks per worker with one of its 2 workers down, more than the 100 one worker runs well/),
      expect.stringMatching(/^connect: Connect cluster c has 1Gi per worker, less than the \d+Mi its 300 tasks per worker need with one worker down/),
    ]);
  });

  test('warns when a cluster with running connectors has no workers', () => {
    expect(sizeConnectCluster({ name: 'c', replicas: 0 }, 3).warnings).toEqual([
      'connect: Connect cluster c has 0 replicas but 3 running connectors; none of them will run until it is scaled up',
    ]);
  });
});
