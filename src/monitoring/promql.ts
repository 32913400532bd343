/** Small helpers that keep the generated PromQL readable and its label values safely quoted. */

/** A label matcher: label, operator and value. */
export type Matcher = readonly [string, '=' | '!=' | '=~' | '!~', string];

/** `{a="x", b!~"y|z"}` from matchers. */
export function selector(matchers: readonly Matcher[]): string {
  return `{${matchers.map(([label, op, value]) => `${label}${op}${quote(value)}`).join(', ')}}`;
}

/** A PromQL string literal (double-quoted, Go escapes). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** A regular expression matching exactly these literal values (RE2, as Prometheus anchors it). */
export function alternatives(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** Copies the `connector` label into `tenant`: a KafkaConnector of tenant-cdc is named after its tenant. */
export function tenantFromConnector(expression: string): string {
  return `label_replace(\n  ${indent(expression)},\n  "tenant", "$1", "connector", "(.+)"\n)`;
}

/** Indents every line after the first by two spaces, for nesting a multi-line expression. */
export function indent(expression: string): string {
  return expression.split('\n').join('\n  ');
}
