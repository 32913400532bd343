// One way for the set-up scripts to fill a folder of .cache/ once: a failed or interrupted run never leaves
// half a folder that a later run would take for a finished one.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Returns `folder` once it is complete. The first time, `fill(partial)` writes its files into a new folder
 * beside it, which then takes its place with a `.complete` marker; if `fill` throws, the partial folder is
 * removed and the error passed on.
 */
export function cachedFolder(folder, fill) {
  if (existsSync(join(folder, '.complete'))) return folder;
  mkdirSync(dirname(folder), { recursive: true });
  const partial = mkdtempSync(`${folder}-partial-`);
  try {
    fill(partial);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(join(partial, '.complete'), new Date().toISOString());
  rmSync(folder, { recursive: true, force: true });
  renameSync(partial, folder);
  return folder;
}
