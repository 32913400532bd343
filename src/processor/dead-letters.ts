import { bytes, HeaderValue, OutgoingRecord, recordBytes } from './record-batches';
import type { SourceRecord } from './transform';

/**
 * Dead letters (contract 2): a record the processor cannot turn into an event goes to the DLQ unchanged,
 * with headers that say why and where it came from. The DLQ takes any number and size of them: one too
 * large even for the DLQ is replaced by a small stand-in that says so, so poison never stops the stream.
 */

/** A raw record as read, with its headers. */
export interface RawRecord extends SourceRecord {
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

/** A header value is at most this long; an error message is for people, not a payload. */
const MAX_ERROR_CHARS = 2000;

function originHeaders(record: RawRecord, error: string): Record<string, string> {
  return {
    'cdc-error': error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}...` : error,
    'cdc-source-topic': record.topic,
    'cdc-source-partition': String(record.partition),
    'cdc-source-offset': record.offset,
  };
}

/** The record unchanged (key, value and its own headers), plus `cdc-error` and `cdc-source-*` headers. */
export function deadLetterOf(record: RawRecord, error: string): OutgoingRecord {
  return { key: record.key, value: record.value, headers: { ...record.headers, ...originHeaders(record, error) } };
}

/**
 * Stands in for a dead letter larger than the DLQ takes: the error, the origin (where the record can still be
 * read while the source topic keeps it) and its sizes, as a small JSON value; header `cdc-oversized: true`.
 */
export function oversizedStandIn(record: RawRecord, error: string, maxMessageBytes: number): OutgoingRecord {
  const size = recordBytes(deadLetterOf(record, error));
  const reason = `${error.slice(0, MAX_ERROR_CHARS)}; the record (${size} bytes with headers) is too large for the dead-letter topic `
    + `(max.message.bytes ${maxMessageBytes}): this stand-in replaces it; read the original from the source topic at this offset`;
  const keyBytes = bytes(record.key);
  return {
    key: keyBytes <= 1024 ? record.key : null,
    value: JSON.stringify({
      error: reason,
      sourceTopic: record.topic,
      sourcePartition: record.partition,
      sourceOffset: record.offset,
      keyBytes,
      valueBytes: bytes(record.value),
      headers: Object.keys(record.headers ?? {}),
    }),
    headers: { ...originHeaders(record, reason), 'cdc-oversized': 'true' },
  };
}
