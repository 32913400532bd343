import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { isCollection, isNode, LineCounter, parseDocument } from 'yaml';
import { TenantsFile } from './schema';
import { Locator, rememberChecked, ResolvedTenantsFile, resolveTenantsFile, TenantsFileError } from './validate';

/**
 * What the fast parser reads: YAML 1.2's core types and merge keys, close to what the position-aware
 * parser reads (js-yaml's default would also turn a date such as `version: 2026-11-27` into a Date). Their
 * numbers still differ in rare spellings (`0b1`, `-0x1F`, `-.5`); a value that fails the rules here is
 * read again by the precise parser. js-yaml exports its merge type without a declaration.
 */
const TENANTS_SCHEMA = jsyaml.CORE_SCHEMA.extend({ implicit: [(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge] });

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
  // fast path: a quick parser for the usual, valid file; the slower one that knows where every node
  // is only runs when there is something to report
  try {
    const data = deepFreeze(jsyaml.load(text, { schema: TENANTS_SCHEMA }));
    const resolved = resolveTenantsFile(data, { source });
    rememberChecked(data as object, resolved);
    return { file: data as TenantsFile, resolved };
  } catch {
    return parseWithLocations(text, source);
  }
}

function parseWithLocations(text: string, source: string): { readonly file: TenantsFile; readonly resolved: ResolvedTenantsFile } {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true });
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

/** Freezes a parsed file all the way down, so what was checked is what gets built. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function show(value: string): string {
  return JSON.stringify(value);
}
