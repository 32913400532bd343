import { logLevel } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { parseProcessorConfig } from '../../src/processor/config';
import { kafkaClientOptions } from '../../src/processor/kafka';
import type { LogLevel } from '../../src/processor/logger';

// kafkajs's own error table (not in its typings): the messages exactly as its connection logs them for a refused response
// @ts-expect-error: kafkajs ships no types for its internal modules
import { createErrorFromCode } from 'kafkajs/src/protocol/error';

const config = parseProcessorConfig({ KAFKA_BROKERS: 'b1:9093', SOURCE_TOPICS: 'acme.public.orders', SINK_TOPIC: 'cdc.events', KAFKA_GROUP_ID: 'cdc-processor' });

/** What the processor's logger receives for one kafkajs log entry, through the client options it gives kafkajs. */
function loggedAs(level: logLevel, message: string, fields: Record<string, unknown> = {}): Array<{ level: LogLevel; message: string; fields: Record<string, unknown> }> {
  const lines: Array<{ level: LogLevel; message: string; fields: Record<string, unknown> }> = [];
  const capture = (at: LogLevel) => (text: string, extra: Record<string, unknown> = {}) => lines.push({ level: at, message: text, fields: extra });
  const options = kafkaClientOptions(config, { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') });
  options.logCreator!(logLevel.INFO)({ namespace: 'Connection', level, label: 'ERROR', log: { timestamp: '2026-12-02T00:00:00.000Z', message, ...fields } });
  return lines;
}

/** kafkajs's Connection logs a refused response as `Response <api>(key: <k>, version: <v>)` with the error's message. */
const refusedResponse = (api: string, key: number, code: number) => [`Response ${api}(key: ${key}, version: 1)`, { error: createErrorFromCode(code).message, correlationId: 7, size: 22 }] as const;

describe('kafkajs log entries in the processor\'s log', () => {
  test('a response refused with CONCURRENT_TRANSACTIONS, which kafkajs retries, is debug; the same refusal of anything else stays an error', () => {
    // 51: the previous transaction's commit markers are still being written when the next adds its partitions
    const [message, fields] = refusedResponse('AddPartitionsToTxn', 24, 51);
    expect(fields.error).toMatch(/concurrent operation on the same transaction/);
    expect(loggedAs(logLevel.ERROR, message, fields)).toMatchObject([{ level: 'debug', message, fields: { component: 'kafkajs', ...fields } }]);
    // not a response: kafkajs's retrier or the processor's own words, which must reach the operator
    expect(loggedAs(logLevel.ERROR, 'Transaction failed', { error: fields.error })[0].level).toBe('error');
  });

  test('other refused responses keep kafkajs\'s level; a refused ACL is said by the processor itself, so kafkajs\'s line is debug', () => {
    const [outOfOrder, outOfOrderFields] = refusedResponse('Produce', 0, 45);
    expect(loggedAs(logLevel.ERROR, outOfOrder, outOfOrderFields)[0].level).toBe('error');
    const [refused, refusedFields] = refusedResponse('Produce', 0, 29);
    expect(refusedFields.error).toMatch(/Not authorized/);
    expect(loggedAs(logLevel.ERROR, refused, refusedFields)[0].level).toBe('debug');
    expect(loggedAs(logLevel.WARN, 'Connection timeout')[0].level).toBe('warn');
    expect(loggedAs(logLevel.INFO, 'Starting')[0].level).toBe('info');
  });
});
