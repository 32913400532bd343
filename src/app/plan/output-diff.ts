import { loadAll } from 'js-yaml';
import type { SynthesizedObject } from '../../footprint/kafka-footprint';
import { Plan, planChanges } from './plan';

/**
 * The plan between two outputs given as YAML texts (the files of `dist/` before and after), computed from
 * only the documents that differ. tenant-cdc writes every object the same way every time, so a document
 * whose text is in both outputs is an unchanged object: with thousands of tenants, a typical edit leaves
 * all but a few of them as they were, and parsing those few (plus the KafkaConnects and the processor's
 * Deployment, which every tenant's plan consults) is fast enough to run on every synth.
 *
 * The plan's Kafka footprint counts only the documents that differ; the full plan (`npm run plan`)
 * parses everything.
 */
export function planChangedDocuments(before: readonly string[], after: readonly string[]): Plan {
  const oldDocuments = before.flatMap(splitDocuments);
  const newDocuments = after.flatMap(splitDocuments);
  const [oldChanged, newChanged] = changedDocuments(oldDocuments, newDocuments);
  const parse = (documents: readonly string[], changed: ReadonlySet<number>) => documents
    .filter((d, i) => changed.has(i) || CONTEXT_KINDS.has(kindOf(d)))
    .map((d) => loadAll(d)[0] as SynthesizedObject).filter((o) => o !== null && o !== undefined);
  return planChanges(parse(oldDocuments, oldChanged), parse(newDocuments, newChanged), {
    connectorsBefore: oldDocuments.filter((d) => kindOf(d) === 'KafkaConnector').length,
  });
}

/**
 * Kinds every plan needs, changed or not: where offsets live, the group routes, and what each ServiceAccount
 * may read (one Role and RoleBinding per Connect cluster), so a Secret moved between Roles is no change.
 */
const CONTEXT_KINDS = new Set(['KafkaConnect', 'Deployment', 'Role', 'RoleBinding']);

/**
 * The positions of the documents of each output that the other output does not hold. Outputs are sorted
 * and an edit changes a stretch of them, so the equal documents at both ends are matched in place and only
 * the stretch between is looked up by text (hashing every document of thousands of tenants took most of
 * this function's time). Each object is one document, so a document cannot also sit in the other's ends.
 */
function changedDocuments(a: readonly string[], b: readonly string[]): [Set<number>, Set<number>] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const inA = new Set(a.slice(start, endA));
  const inB = new Set(b.slice(start, endB));
  const changed = (documents: readonly string[], end: number, other: ReadonlySet<string>) => {
    const positions = new Set<number>();
    for (let i = start; i < end; i++) if (!other.has(documents[i])) positions.add(i);
    return positions;
  };
  return [changed(a, endA, inB), changed(b, endB, inA)];
}

/** A document's top-level `kind` (a line of its own at the document's top level), without parsing it. */
function kindOf(document: string): string {
  const at = document.startsWith('kind: ') ? 0 : document.indexOf('\nkind: ') + 1;
  if (at === 0 && !document.startsWith('kind: ')) return '';
  const end = document.indexOf('\n', at);
  return document.slice(at + 'kind: '.length, end < 0 ? undefined : end).trim().replace(/^"(.*)"$/, '$1');
}

/** The documents of a multi-document YAML file, as text. */
function splitDocuments(text: string): string[] {
  return text.split(/^---$\n?/m).filter((d) => d.trim().length > 0);
}
