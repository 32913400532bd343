/**
 * Grafana's units, formatted the way its panels show them: `ms` and `s` as the largest whole time unit,
 * `bytes` in binary prefixes, `percentunit` as a percentage, `ops` per second, `short` with K/Mil/Bil.
 */

/** At most three significant digits, trailing zeros dropped: 0.0123, 1.23, 12.3, 123. */
function decimals(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const places = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  const text = value.toFixed(places);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** `value` divided by the largest of `steps` (ascending [factor, suffix]) that it reaches. */
function scaled(value: number, steps: ReadonlyArray<readonly [number, string]>): string {
  let chosen = steps[0];
  for (const step of steps) if (Math.abs(value) >= step[0]) chosen = step;
  const [factor, suffix] = chosen;
  return `${decimals(value / factor)}${suffix}`;
}

const SHORT: ReadonlyArray<readonly [number, string]> = [[1, ''], [1e3, ' K'], [1e6, ' Mil'], [1e9, ' Bil'], [1e12, ' Tri']];
const BYTES: ReadonlyArray<readonly [number, string]> = [[1, ' B'], [1024, ' KiB'], [1024 ** 2, ' MiB'], [1024 ** 3, ' GiB'], [1024 ** 4, ' TiB']];
const MILLISECONDS: ReadonlyArray<readonly [number, string]> = [[1e-3, ' µs'], [1, ' ms'], [1e3, ' s'], [60e3, ' min'], [3600e3, ' hour'], [86400e3, ' day']];

/** The units this renderer knows; any other is shown as `short` (so a new one needs adding here). */
export const KNOWN_UNITS = ['short', 'none', 'ms', 's', 'bytes', 'percentunit', 'ops'] as const;

/** `value` as Grafana shows it in `unit`. */
export function formatValue(value: number, unit: string | undefined): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'ms': return value === 0 ? '0 ms' : scaled(value, MILLISECONDS);
    case 's': return value === 0 ? '0 s' : scaled(value * 1000, MILLISECONDS);
    case 'bytes': return scaled(value, BYTES);
    case 'percentunit': return `${decimals(value * 100)}%`;
    case 'ops': return `${scaled(value, SHORT)} ops/s`;
    default: return scaled(value, SHORT);
  }
}
