import { load } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../src/app/yaml-writer';

/** Both YAML versions Kubernetes tooling uses must read back exactly what was written. */
function roundTrips(value: unknown): void {
  const text = toYaml(value);
  expect(parse(text, { version: '1.1' }), text).toEqual(value);
  expect(parse(text, { version: '1.2' }), text).toEqual(value);
  expect(load(text), text).toEqual(value);
}

const TRICKY_STRINGS = [
  '', ' ', 'true', 'True', 'yes', 'no', 'on', 'OFF', 'y', 'n', 'null', '~', '-1', '0', '1.5', '1e3', '0x1F', '08', '1:20', '2026-11-25',
  '.inf', '.NaN', '-', '- a', '? x', ': x', 'a: b', 'a #b', 'a#b', '#x', '&anchor', '*alias', '!tag', '%x', '@x', '`x', '|', '>', "'q'", '"q"',
  '{a}', '[a]', 'a,b', '${secrets:cdc/acme-db:password}', '${x', 'dbo\\.Orders,dbo\\.Order\\$Lines', '^(?:a|b)\\.[^.]+$', 'a\tb', 'trailing ',
  ' leading', 'line1\nline2', 'line1\nline2\n', 'ends with blank\n\n', ' indented\nblock', 'x\r\ny', 'unicode é ✓', 'emoji 🚀', '\u0001',
  'host:9092', 'a:', 'http://x.example.com/a?b=c', 'org.apache.kafka.common.security.plain.PlainLoginModule required username="K" password="${secrets:n/s:k}";',
];

describe('toYaml', () => {
  test('writes Kubernetes-style block YAML', () => {
    expect(toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, data: { f: 'one\ntwo\n' }, list: [{ a: 1, b: [] }, 'x'] }))
      .toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\ndata:\n  f: |\n    one\n    two\nlist:\n  - a: 1\n    b: []\n  - x\n');
  });

  test.each(TRICKY_STRINGS.map((s) => [JSON.stringify(s), s]))('round-trips the string %s as a value, a key and a list item', (_, text) => {
    roundTrips({ value: text });
    roundTrips({ [text]: 1 });
    roundTrips({ list: [text, { k: text }] });
  });

  test('round-trips numbers, booleans, null, empty and nested collections', () => {
    roundTrips({ n: -1, f: 0.25, big: 4294967295, t: true, f2: false, z: null, e: {}, l: [], nested: [[1, [2]], [{ a: [{}] }]], deep: { a: { b: { c: [] } } } });
  });

  test('leaves out undefined fields the way JSON does', () => {
    expect(toYaml({ a: undefined, b: 1, c: { d: undefined } })).toBe('b: 1\nc: {}\n');
  });
});
