import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script shared by the set-up scripts
import { cachedFolder } from '../scripts/cached-folder.mjs';

/** The set-up scripts fill .cache/ folders through cachedFolder: an interrupted fill must never pass for a finished one. */
let work: string;
beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-cached-folder-')); });
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const entries = () => fs.readdirSync(work).sort();

test('fills the folder once; later calls find it complete and fill nothing', () => {
  const folder = path.join(work, 'cache', 'crds');
  let fills = 0;
  const fill = (partial: string) => { fills += 1; fs.writeFileSync(path.join(partial, 'a.yaml'), 'a'); };
  expect(cachedFolder(folder, fill)).toBe(folder);
  expect(cachedFolder(folder, fill)).toBe(folder);
  expect(fills).toBe(1);
  expect(fs.readdirSync(folder).sort()).toEqual(['.complete', 'a.yaml']);
  expect(fs.readdirSync(path.join(work, 'cache'))).toEqual(['crds']);
});

test('a fill that fails leaves no folder and no partial one, and passes its error on', () => {
  const folder = path.join(work, 'crds');
  expect(() => cachedFolder(folder, (partial: string) => {
    fs.writeFileSync(path.join(partial, 'half.yaml'), 'half');
    throw new Error('Maven refused');
  })).toThrow('Maven refused');
  expect(entries()).toEqual([]);
});

test('a folder left without its .complete marker (a run killed before this helper existed) is filled again and replaced', () => {
  const folder = path.join(work, 'crds');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'stale.yaml'), 'stale');
  cachedFolder(folder, (partial: string) => fs.writeFileSync(path.join(partial, 'fresh.yaml'), 'fresh'));
  expect(fs.readdirSync(folder).sort()).toEqual(['.complete', 'fresh.yaml']);
  expect(entries()).toEqual(['crds']);
});
