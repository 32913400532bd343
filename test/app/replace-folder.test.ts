import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { replaceFolder } from '../../src/app/replace-folder';

let parent: string;
let folder: string;

/** Every file below `dir`, by path relative to it. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort()
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
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
    // a file below a file cannot be written
    expect(() => replaceFolder(folder, new Map([['a.k8s.yaml', 'new\n'], ['a.k8s.yaml/x.yaml', 'x']]))).toThrow(/ENOTDIR|EEXIST/);
    expect(contents(folder)).toEqual({ 'a.k8s.yaml': 'old\n' });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('writes nested folders (a split output) and drops folders no longer produced', () => {
    fs.mkdirSync(path.join(folder, 'clusters', 'removed'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'clusters', 'removed', 'tenant-cdc.k8s.yaml'), 'stale\n');
    fs.writeFileSync(path.join(folder, 'tenant-cdc.k8s.yaml'), 'unsplit\n');
    replaceFolder(folder, new Map([['shared/tenant-cdc.k8s.yaml', 's\n'], ['clusters/a/tenant-cdc.k8s.yaml', 'a\n'], ['argocd/applications.k8s.yaml', 'apps\n']]));
    expect(contents(folder)).toEqual({
      'argocd/applications.k8s.yaml': 'apps\n', 'clusters/a/tenant-cdc.k8s.yaml': 'a\n', 'shared/tenant-cdc.k8s.yaml': 's\n',
    });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('leaves a nested folder as it was when a file cannot be written, and writes nothing outside it', () => {
    const before = { 'clusters/a/tenant-cdc.k8s.yaml': 'a\n', 'shared/tenant-cdc.k8s.yaml': 's\n' };
    replaceFolder(folder, new Map(Object.entries(before)));
    expect(() => replaceFolder(folder, new Map([['clusters/a/tenant-cdc.k8s.yaml', 'new\n'], ['../escaped.yaml', 'x']])))
      .toThrow('replaceFolder: "../escaped.yaml" is not inside the output folder');
    // a file whose folder is a file already
    expect(() => replaceFolder(folder, new Map([['clusters/a/tenant-cdc.k8s.yaml', 'new\n'], ['clusters/a/tenant-cdc.k8s.yaml/x.yaml', 'x']]))).toThrow(/ENOTDIR|EEXIST/);
    expect(contents(folder)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });
});
