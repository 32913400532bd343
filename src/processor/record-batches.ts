/**
 * Keeping produce requests within the broker's limits. A topic takes record batches of at most its
 * `max.message.bytes` (the broker's `message.max.bytes`, 1 MiB + 12 bytes, unless the topic says
 * otherwise); one batch per partition goes into a produce request, and kafkajs does not split them.
 * A request over the limit fails for good (MESSAGE_TOO_LARGE), so the processor sends what one input batch
 * produced in chunks that fit, and never tries to send a single record that cannot fit.
 */

/** Kafka's default `message.max.bytes`, what a topic takes when nobody changed it. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Below this a limit is surely a mistake: an ordinary change event would not fit. */
export const MIN_MESSAGE_BYTES = 16_384;

/** A record batch's fixed header (v2 format, including the log overhead the limit counts). */
const BATCH_OVERHEAD_BYTES = 61;

/** What the processor writes; the shape of a kafkajs message. */
export interface OutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

/** A header's value; a list is the same header repeated. */
export type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

/** The size of a key, value or header value in bytes (UTF-8 for strings). */
export function bytes(data: Buffer | string | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/**
 * An upper bound of a record's size in a v2 record batch: its key, value and headers plus the most its
 * varint lengths, attributes, timestamp and offset deltas can take.
 */
export function recordBytes(record: OutgoingRecord): number {
  let size = 41 + bytes(record.key) + bytes(record.value);
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) size += 10 + Buffer.byteLength(name) + bytes(one);
  }
  return size;
}

/** Whether a record fits in a batch of at most `maxMessageBytes`. */
export function fitsInBatch(record: OutgoingRecord, maxMessageBytes: number): boolean {
  return recordBytes(record) + BATCH_OVERHEAD_BYTES <= maxMessageBytes;
}

/**
 * Splits records, in order, into chunks of at most `maxMessageBytes` each (every record must fit on its
 * own, see fitsInBatch). A chunk's records for one partition form one batch no larger than the chunk.
 */
export function chunkRecords<T extends OutgoingRecord>(records: readonly T[], maxMessageBytes: number): T[][] {
  const room = maxMessageBytes - BATCH_OVERHEAD_BYTES;
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const record of records) {
    const recordSize = recordBytes(record);
    if (chunk.length > 0 && size + recordSize > room) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(record);
    size += recordSize;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Records for one topic, as one produce request carries them. */
export interface TopicRecords {
  readonly topic: string;
  readonly messages: OutgoingRecord[];
}

/**
 * The requests of several batches as few requests as the limits allow: each topic's records, in order,
 * chunked again (every record must fit on its own, see fitsInBatch).
 */
export function mergeRequests(requests: readonly TopicRecords[], maxMessageBytesOf: (topic: string) => number): TopicRecords[] {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const { topic, messages } of requests) {
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic)!.push(...messages);
  }
  return [...byTopic].flatMap(([topic, messages]) => chunkRecords(messages, maxMessageBytesOf(topic)).map((chunk) => ({ topic, messages: chunk })));
}
