import type { RunPanel } from './run-data';
import { lastValue, PanelSeries } from './series';
import { Box, fit, noData, rect, text, textWidth } from './svg';
import { THEME } from './theme';
import { formatValue } from './units';

const ROW = 26;
const FONT = 12;

/**
 * Grafana's table of instant queries without their Time column: a row per series, a column per label,
 * and the value; a series without labels (`count(...)`, `vector(0)`) is named by its query's legend in a
 * first column, which is there only when such a series is.
 */
export function tableSvg(panel: RunPanel, series: readonly PanelSeries[], box: Box): string {
  const unit = panel.fieldConfig?.defaults.unit;
  const rows = series.flatMap((s) => {
    const value = lastValue(s);
    return value === undefined ? [] : [{ series: s, value: formatValue(value, unit) }];
  });
  if (rows.length === 0) return noData(box);
  const labels = [...new Set(rows.flatMap((r) => Object.keys(r.series.labels)).filter((l) => l !== '__name__'))];
  const named = rows.some((r) => Object.keys(r.series.labels).filter((l) => l !== '__name__').length === 0);
  const header = [...(named ? ['Series'] : []), ...labels, 'Value'];
  const cells = rows.map((r) => [...(named ? [r.series.name] : []), ...labels.map((l) => r.series.labels[l] ?? ''), r.value]);
  // columns as wide as their widest cell, sharing out what is left (or cut, when they are too wide)
  const natural = header.map((h, c) => Math.max(textWidth(h, FONT), ...cells.map((row) => textWidth(row[c], FONT))) + 20);
  const total = natural.reduce((a, b) => a + b, 0);
  const widths = natural.map((w) => (w * box.width) / total);
  const fitting = Math.max(1, Math.floor(box.height / ROW) - 1);
  const shown = cells.length > fitting ? [...cells.slice(0, fitting - 1), [`… ${cells.length - fitting + 1} more rows`, ...header.slice(1).map(() => '')]] : cells;
  const lineOf = (row: string[], y: number, color: string, weight?: number): string => {
    let x = box.x;
    return row.map((cell, c) => {
      const last = c === row.length - 1;
      const out = text(last ? x + widths[c] - 8 : x + 8, y + ROW / 2 + FONT * 0.36, fit(cell, widths[c] - 16, FONT), { size: FONT, color, weight, anchor: last ? 'end' : 'start' });
      x += widths[c];
      return out;
    }).join('');
  };
  return [
    rect(box.x, box.y, box.width, ROW, THEME.tableHeader),
    lineOf(header, box.y, THEME.text, 500),
    ...shown.map((row, r) => {
      const y = box.y + (r + 1) * ROW;
      return `${lineOf(row, y, THEME.text)}${rect(box.x, y + ROW - 1, box.width, 1, THEME.grid)}`;
    }),
  ].join('');
}
