import { describe, expect, test } from 'vitest';
import { deadLetterOf, oversizedStandIn } from '../../src/processor/dead-letters';
import { chunkRecords, fitsInBatch, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, mergeRequests, recordBytes } from '../../src/processor/record-batches';

describe('chunkRecords', () => {
  const records = Array.from({ length: 4000 }, (_, i) => ({ key: `poison-${i}`, value: 'x'.repeat(340), headers: { 'cdc-error': 'value is not JSON', 'cdc-source-offset': String(i) } }));

  test('splits, in order, into chunks no larger than the limit', () => {
    const chunks = chunkRecords(records, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(records);
    for (const chunk of chunks) expect(chunk.reduce((sum, r) => sum + recordBytes(r), 61)).toBeLessThanOrEqual(KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
  });

  test('keeps everything in one chunk when it fits, and gives nothing for nothing', () => {
    expect(chunkRecords(records.slice(0, 10), KAFKA_DEFAULT_MAX_MESSAGE_BYTES)).toEqual([records.slice(0, 10)]);
    expect(chunkRecords([], KAFKA_DEFAULT_MAX_MESSAGE_BYTES)).toEqual([]);
  });

  test('counts UTF-8 bytes, repeated headers and the batch header', () => {
    expect(recordBytes({ key: 'é', value: null })).toBe(41 + 2);
    expect(recordBytes({ key: null, value: null, headers: { h: ['ab', 'c'] } })).toBe(41 + (10 + 1 + 2) + (10 + 1 + 1));
    expect(fitsInBatch({ key: null, value: 'x'.repeat(1000 - 61 - 41) }, 1000)).toBe(true);
    expect(fitsInBatch({ key: null, value: 'x'.repeat(1000 - 61 - 41 + 1) }, 1000)).toBe(false);
  });
});

describe('mergeRequests', () => {
  test('puts several batches\' requests into as few as fit, each topic\'s records in order', () => {
    const batch = (n: number) => [
      { topic: 'sink', messages: Array.from({ length: 100 }, (_, i) => ({ key: `${n}-${i}`, value: 'x'.repeat(900) })) },
      { topic: 'sink.dlq', messages: [{ key: `poison-${n}`, value: 'not json' }] },
    ];
    const requests = [1, 2, 3, 4, 5].flatMap(batch);
    const merged = mergeRequests(requests, (topic) => (topic === 'sink' ? 200_000 : KAFKA_DEFAULT_MAX_MESSAGE_BYTES));
    expect(merged.map((r) => r.topic)).toEqual(['sink', 'sink', 'sink', 'sink.dlq']);
    expect(merged.filter((r) => r.topic === 'sink').flatMap((r) => r.messages)).toEqual(requests.filter((r) => r.topic === 'sink').flatMap((r) => r.messages));
    expect(merged[3].messages.map((m) => m.key)).toEqual(['poison-1', 'poison-2', 'poison-3', 'poison-4', 'poison-5']);
    for (const request of merged.filter((r) => r.topic === 'sink')) expect(request.messages.reduce((sum, r) => sum + recordBytes(r), 61)).toBeLessThanOrEqual(200_000);
  });
});

describe('dead letters', () => {
  const raw = { topic: 'acme.public.t', partition: 2, offset: '4200', key: 'k', value: Buffer.alloc(3 * 1024 * 1024, 'y'), headers: { origin: 'bad-producer' } };

  test('keep the record and its headers, and say why and where from', () => {
    const letter = deadLetterOf(raw, 'value is not JSON');
    expect(letter.key).toBe('k');
    expect(letter.value).toBe(raw.value);
    expect(letter.headers).toEqual({ 'origin': 'bad-producer', 'cdc-error': 'value is not JSON', 'cdc-source-topic': 'acme.public.t', 'cdc-source-partition': '2', 'cdc-source-offset': '4200' });
  });

  test('too large for the DLQ: a small stand-in with the error, the origin and the sizes', () => {
    const standIn = oversizedStandIn(raw, 'value is not JSON', KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    expect(fitsInBatch(standIn, 16_384)).toBe(true);
    expect(standIn.headers).toMatchObject({ 'cdc-source-topic': 'acme.public.t', 'cdc-source-partition': '2', 'cdc-source-offset': '4200', 'cdc-oversized': 'true' });
    expect(standIn.headers!['cdc-error']).toMatch(/^value is not JSON; the record \(\d+ bytes with headers\) is too large for the dead-letter topic \(max.message.bytes 1048588\)/);
    expect(JSON.parse(standIn.value as string)).toMatchObject({ sourceTopic: 'acme.public.t', sourcePartition: 2, sourceOffset: '4200', keyBytes: 1, valueBytes: 3 * 1024 * 1024, headers: ['origin'] });
    expect(standIn.key).toBe('k');
    expect(oversizedStandIn({ ...raw, key: 'k'.repeat(5000) }, 'e', 1000).key).toBe(null);
  });
});
