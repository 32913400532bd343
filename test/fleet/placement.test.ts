import { describe, expect, test } from 'vitest';
import { placeTenant } from '../../src/fleet/placement';

const tenants = Array.from({ length: 3000 }, (_, i) => `tenant-${i.toString(36)}`);
const placeAll = (clusters: string[]) => new Map(tenants.map((t) => [t, placeTenant(t, clusters)]));

describe('placeTenant (rendezvous hashing)', () => {
  test('is deterministic and ignores the order of the clusters', () => {
    expect(placeAll(['a', 'b', 'c'])).toEqual(placeAll(['c', 'a', 'b']));
    expect(placeTenant('acme', ['connect-a', 'connect-b'])).toBe(placeTenant('acme', ['connect-a', 'connect-b']));
  });

  test('spreads tenants evenly', () => {
    const counts = new Map<string, number>();
    for (const cluster of placeAll(['a', 'b', 'c']).values()) counts.set(cluster, (counts.get(cluster) ?? 0) + 1);
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });

  test('adding a cluster moves only the tenants it wins, about 1 in n', () => {
    const before = placeAll(['a', 'b', 'c']);
    const after = placeAll(['a', 'b', 'c', 'd']);
    const moved = tenants.filter((t) => before.get(t) !== after.get(t));
    expect(moved.every((t) => after.get(t) === 'd')).toBe(true);
    expect(Math.abs(moved.length - 750)).toBeLessThan(120);
  });

  test('removing a cluster moves only the tenants it had', () => {
    const before = placeAll(['a', 'b', 'c']);
    const after = placeAll(['a', 'c']);
    for (const t of tenants) if (before.get(t) !== 'b') expect(after.get(t)).toBe(before.get(t));
  });

  test('one cluster takes every tenant', () => {
    expect(new Set(placeAll(['only']).values())).toEqual(new Set(['only']));
  });
});
