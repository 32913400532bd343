import * as fs from 'fs';
import * as path from 'path';
import { isCollection, isNode, LineCounter, parseDocument } from 'yaml';
import { TenantsFile } from './schema';
import { Locator, ResolvedTenantsFile, resolveTenantsFile, TenantsFileError } from './validate';

/**
 * Reads and checks a tenants file, reporting every problem with its place in the file.
 * The result is the props of `CdcPlatform`.
 *
 * @throws TenantsFileError when the file is missing, is not YAML, or breaks any rule
 */
export function loadTenantsFile(file: string): TenantsFile {
  return readTenantsFile(file).file;
}

/** Reads, checks and resolves a tenants file: the file as written, and with every default applied. */
export function readTenantsFile(file: string): { readonly file: TenantsFile; readonly resolved: ResolvedTenantsFile } {
  const source = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new TenantsFileError([`(file): cannot read ${show(file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; `
      + 'set TENANTS_FILE to the path of your tenants file'], source);
  }
  return parseTenantsYaml(text, source);
}

/** Parses and checks tenants-file YAML text; `source` names the file in messages. */
export function parseTenantsYaml(text: string, source = 'tenants.yaml'): { readonly file: TenantsFile; readonly resolved: ResolvedTenantsFile } {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new TenantsFileError(document.errors.map((error) => {
      const at = lines.linePos(error.pos[0]);
      return `(file): not valid YAML at ${source}:${at.line}:${at.col}: ${error.message.split('\n')[0]}; fix the YAML syntax there`;
    }), source);
  }
  const data = document.toJS({ maxAliasCount: 100 });
  const locate: Locator = (where) => {
    let node: unknown = document.contents;
    for (const key of where) {
      if (!isCollection(node)) break;
      const child = node.get(key as any, true);
      if (!isNode(child)) break;
      node = child;
    }
    const offset = isNode(node) ? node.range?.[0] : undefined;
    if (offset === undefined) return undefined;
    const at = lines.linePos(offset);
    return `${source}:${at.line}:${at.col}`;
  };
  const resolved = resolveTenantsFile(data, { locate, source });
  return { file: data as TenantsFile, resolved };
}

function show(value: string): string {
  return JSON.stringify(value);
}
