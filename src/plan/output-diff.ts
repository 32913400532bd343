import { loadAll } from 'js-yaml';
import type { SynthesizedObject } from '../footprint/kafka-footprint';
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
  const oldTexts = new Set(oldDocuments);
  const newTexts = new Set(newDocuments);
  const needed = (text: string, other: Set<string>) => !other.has(text) || CONTEXT.test(text);
  const parse = (documents: string[], other: Set<string>) => documents.filter((d) => needed(d, other))
    .map((d) => loadAll(d)[0] as SynthesizedObject).filter((o) => o !== null && o !== undefined);
  return planChanges(parse(oldDocuments, newTexts), parse(newDocuments, oldTexts), {
    connectorsBefore: oldDocuments.filter((d) => CONNECTOR.test(d)).length,
  });
}

/** Documents every tenant's plan needs, changed or not: where offsets live, and the group routes. */
const CONTEXT = /^kind: (KafkaConnect|Deployment)$/m;
const CONNECTOR = /^kind: KafkaConnector$/m;

/** The documents of a multi-document YAML file, as text. */
function splitDocuments(text: string): string[] {
  return text.split(/^---$\n?/m).filter((d) => d.trim().length > 0);
}
