import * as fs from 'fs';
import * as path from 'path';

/**
 * Makes `folder` hold exactly `files` (path relative to it, '/' between folders, to text), or leaves it as it was.
 *
 * The files are written to a new folder beside `folder` (same file system), which then takes its place
 * by rename: a failure while writing never half-writes `folder`, and files that are no longer produced
 * (a removed chart) do not survive. Between the two renames `folder` is briefly absent; a process killed
 * exactly there leaves the previous contents in the hidden `.<folder>.synth-*` folder beside it.
 */
export function replaceFolder(folder: string, files: ReadonlyMap<string, string>): void {
  const target = path.resolve(folder);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // a private work area beside the target; the fresh folder inside it gets the usual (umask) permissions
  const work = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.synth-`));
  try {
    const fresh = path.join(work, 'fresh');
    fs.mkdirSync(fresh);
    for (const [name, text] of files) {
      const file = path.join(fresh, ...name.split('/'));
      // a path that climbs out of the fresh folder would write beside the output
      if (path.relative(fresh, file).startsWith('..') || path.isAbsolute(name)) throw new Error(`replaceFolder: ${JSON.stringify(name)} is not inside the output folder`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    const previous = path.join(work, 'previous');
    const hadPrevious = moveIfPresent(target, previous);
    try {
      fs.renameSync(fresh, target);
    } catch (error) {
      if (hadPrevious) fs.renameSync(previous, target);
      throw error;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function moveIfPresent(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
