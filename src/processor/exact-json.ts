/**
 * JSON in and out with every number kept as the text it arrived as.
 *
 * `JSON.parse` turns numbers into doubles: an int64 id above 2^53 or a NanoTimestamp (about 1.8e18) loses
 * its last digits, and `1.50` or `1.0E-5` come back out as `1.5` and `0.00001`. Debezium writes int64
 * columns, LSNs and nanosecond timestamps as plain JSON numbers, so such texts are parsed with
 * lossless-json: their numbers become `LosslessNumber`s (their text) and are written back verbatim.
 * lossless-json parses about four times slower than `JSON.parse` (bench:processor), so a text whose every
 * number survives the trip through a double, the common case, still takes `JSON.parse`.
 */
import { isLosslessNumber, parse, stringify } from 'lossless-json';

/** Parsed JSON, and whether it holds `LosslessNumber`s (then write it with `stringifyExactJson`). */
export interface ExactJson {
  readonly value: unknown;
  readonly lossless: boolean;
}

/** Parses JSON text losing no digit of any number. Throws SyntaxError. */
export function parseExactJson(text: string): ExactJson {
  return numbersSurviveDoubles(text) ? { value: JSON.parse(text), lossless: false } : { value: parse(text), lossless: true };
}

/** Writes JSON; `LosslessNumber`s are written as the text they were read from. */
export function stringifyExactJson(value: unknown, lossless = true): string {
  return lossless ? stringify(value) ?? 'null' : JSON.stringify(value);
}

/** The text of a number (or anything else) as it arrived, for ids and positions. */
export function textOf(value: unknown): string {
  return isLosslessNumber(value) ? value.value : String(value);
}

/** JSON with object keys sorted, so the same row key always gives the same text; numbers keep their digits. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Whether every number token outside strings reads back as the same text from a double (`1.5`, `42`),
 * so that `JSON.parse` then `JSON.stringify` change nothing. Not a validator: bad JSON fails later.
 */
function numbersSurviveDoubles(text: string): boolean {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // jump to the closing quote: the next one not escaped by an odd number of backslashes
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return true;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const start = i;
      while (i + 1 < length && isNumberPart(text.charCodeAt(i + 1))) i++;
      const token = text.slice(start, i + 1);
      if (String(Number(token)) !== token) return false;
    }
  }
  return true;
}

/** Digits, `.`, `e`, `E`, `+`, `-`: what can follow the first character of a JSON number. */
function isNumberPart(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
}
