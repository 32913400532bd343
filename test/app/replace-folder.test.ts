import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { replaceFolder } from '../../src/app/replace-folder';

let parent: string;
let folder: string;

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

beforeEach(() => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-replace-'));
  folder = path.join(parent, 'dist');
});

afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

describe('replaceFolder', () => {
  test('creates the folder (and its parents) with exactly the files', () => {
    const nested = path.join(parent, 'a', 'b', 'out');
    replaceFolder(nested, new Map([['x.k8s.yaml', 'x: 1\n']]));
    expect(contents(nested)).toEqual({ 'x.k8s.yaml': 'x: 1\n' });
    // the permissions of any new folder (not mkdtemp's private 0700)
    fs.mkdirSync(path.join(parent, 'reference'));
    expect(fs.statSync(nested).mode).toBe(fs.statSync(path.join(parent, 'reference')).mode);
  });

  test('replaces the files and drops the ones no longer produced, leaving nothing beside the folder', () => {
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'kept.k8s.yaml'), 'old\n');
    fs.writeFileSync(path.join(folder, 'removed-chart.k8s.yaml'), 'stale\n');
    replaceFolder(folder, new Map([['kept.k8s.yaml', 'new\n']]));
    expect(contents(folder)).toEqual({ 'kept.k8s.yaml': 'new\n' });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('leaves the folder as it was when a file cannot be written', () => {
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.k8s.yaml'), 'old\n');
    expect(() => replaceFolder(folder, new Map([['a.k8s.yaml', 'new\n'], ['no/such/dir.yaml', 'x']]))).toThrow(/ENOENT/);
    expect(contents(folder)).toEqual({ 'a.k8s.yaml': 'old\n' });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });
});
