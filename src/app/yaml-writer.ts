/**
 * A small, fast YAML emitter for Kubernetes manifests: plain JSON data (mappings, lists, strings,
 * numbers, booleans, null) in block style. It is several times faster than general YAML libraries,
 * which matters at thousands of tenants.
 *
 * Strings are written plain only when no YAML 1.1 or 1.2 reader (Kubernetes uses 1.1) could take them
 * for anything else; otherwise they are double-quoted with JSON escapes, which YAML reads the same way.
 * Multi-line strings become literal blocks, so configuration files stay readable.
 */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  writeValue(out, value, '', false);
  return out.join('');
}

/** Plain scalars that read back as the same string in YAML 1.1 and 1.2 (more checks in isPlainSafe). */
const SAFE_PLAIN = /^[A-Za-z_/$][A-Za-z0-9_./$:{}@=+-]*( [A-Za-z0-9_./$:{}@=+()-]+)*$/;
/** Words YAML 1.1 reads as booleans or null (case-insensitive), and things that look like numbers or dates. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~|\.inf|\.nan|[-+]?\.?[0-9].*)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = String(value);
  return isPlainSafe(text) ? text : JSON.stringify(text);
}

function isPlainSafe(text: string): boolean {
  // ': ' and ' #' start a mapping value or a comment; '{' or '[' at the start a flow collection
  return SAFE_PLAIN.test(text) && !RESERVED.test(text) && !text.includes(': ') && !text.includes(' #') && !/[:]$/.test(text)
    && !/^[{[]/.test(text) && !/^\$\{[^}]*$/.test(text);
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null && emptyCollection(value) === undefined;
}

function emptyCollection(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (typeof value === 'object' && value !== null) return Object.values(value).every((v) => v === undefined) ? '{}' : undefined;
  return undefined;
}

function writeValue(out: string[], value: unknown, indent: string, inline: boolean): void {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => {
      out.push(i === 0 && inline ? '- ' : `${indent}- `);
      writeItem(out, item, `${indent}  `);
    });
  } else if (isCollection(value)) {
    Object.entries(value).filter(([, item]) => item !== undefined).forEach(([key, item], i) => {
      out.push(i === 0 && inline ? '' : indent, scalar(key), ':');
      writeMappingValue(out, item, indent);
    });
  } else {
    out.push(emptyCollection(value) ?? scalar(value), '\n');
  }
}

/** A list item: its first mapping key or nested list goes on the same line as the dash. */
function writeItem(out: string[], item: unknown, indent: string): void {
  if (isCollection(item)) writeValue(out, item, indent, true);
  else writeString(out, item, indent);
}

function writeMappingValue(out: string[], item: unknown, indent: string): void {
  if (Array.isArray(item) && item.length > 0) {
    out.push('\n');
    writeValue(out, item, `${indent}  `, false);
  } else if (isCollection(item)) {
    out.push('\n');
    writeValue(out, item, `${indent}  `, false);
  } else {
    out.push(' ');
    writeString(out, item, `${indent}  `);
  }
}

/** Writes a scalar; multi-line strings as a literal block (`|`, `|-` without a final newline). */
function writeString(out: string[], value: unknown, indent: string): void {
  const empty = emptyCollection(value);
  if (empty) {
    out.push(empty, '\n');
    return;
  }
  if (typeof value === 'string' && value.includes('\n') && isBlockSafe(value)) {
    const body = value.endsWith('\n') ? value.slice(0, -1) : value;
    out.push(value.endsWith('\n') ? '|' : '|-', '\n');
    for (const line of body.split('\n')) out.push(line === '' ? '' : indent, line, '\n');
    return;
  }
  out.push(scalar(value), '\n');
}

/** Literal blocks cannot hold trailing spaces on lines, a leading space, tabs, or more than one final newline. */
function isBlockSafe(text: string): boolean {
  return !/^[ \t]/.test(text) && !/[ \t]\n/.test(text) && !/\n\n$/.test(text) && !/[\r\t\u0000-\u0008\u000b-\u001f\u007f]/.test(text);
}
