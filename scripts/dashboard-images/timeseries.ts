import type * as VegaLite from 'vega-lite';
import { vegaLiteSvg } from './charting';
import type { RunPanel } from './run-data';
import { PanelSeries } from './series';
import { Box, fit, n, noData, text, textWidth } from './svg';
import { PALETTE, redFrom, THEME } from './theme';

/** The time range every timeseries panel of a dashboard shares, in unix seconds. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

const LEGEND_ROW = 18;
const LEGEND_FONT = 12;

interface LegendItem {
  readonly name: string;
  readonly color: string;
}

/** Grafana's bottom list legend: a coloured dash and the name, item after item, wrapping into rows. */
function legendRows(items: readonly LegendItem[], width: number): LegendItem[][] {
  const rows: LegendItem[][] = [[]];
  let used = 0;
  for (const item of items) {
    const w = Math.min(width, 22 + textWidth(item.name, LEGEND_FONT) + 16);
    if (used + w > width && rows[rows.length - 1].length > 0) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1].push(item);
    used += w;
  }
  return rows;
}

function legendSvg(rows: LegendItem[][], box: Box): string {
  return rows.map((row, r) => {
    let x = box.x;
    const y = box.y + r * LEGEND_ROW + 13;
    return row.map((item) => {
      const name = fit(item.name, box.width - (x - box.x) - 22, LEGEND_FONT);
      const out = `<rect x="${n(x)}" y="${n(y - 5)}" width="14" height="4" rx="1" fill="${item.color}"/>${text(x + 20, y, name, { size: LEGEND_FONT, color: THEME.text })}`;
      x += 22 + textWidth(name, LEGEND_FONT) + 16;
      return out;
    }).join('');
  }).join('');
}

/** A round step (1, 2 or 5 times a power of ten) of about `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return power * ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10);
}

/**
 * The y axis's scale and ticks. Vega's round numbers are decimal, which in bytes reads 977 KiB, 1.91 MiB:
 * bytes get ticks round in the binary prefix the largest value has, as Grafana draws them.
 */
function yScale(unit: string, max: number, tickCount: number): { scale: object; values?: number[] } {
  if (max <= 0) return { scale: { domain: [0, 1] } };
  if (unit !== 'bytes') return { scale: { domainMin: 0, nice: true, zero: true } };
  const prefix = 1024 ** Math.max(0, Math.floor(Math.log(max) / Math.log(1024)));
  const step = niceStep(max / prefix / tickCount);
  const top = Math.ceil(max / prefix / step);
  const values = Array.from({ length: top + 1 }, (_, i) => Number((i * step).toPrecision(12)) * prefix);
  return { scale: { domain: [0, values[values.length - 1]], nice: false }, values };
}

/** Lines over time, one per series, filled 10 % below as the panels ask, with a legend below and the red threshold dashed. */
export async function timeseriesSvg(panel: RunPanel, series: readonly PanelSeries[], box: Box, range: TimeRange, idPrefix: string): Promise<string> {
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) return noData(box);
  const unit = panel.fieldConfig?.defaults.unit ?? 'short';
  const items = drawn.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length] }));
  const maxRows = Math.max(1, Math.floor((box.height * 0.3) / LEGEND_ROW));
  let rows = legendRows(items, box.width);
  if (rows.length > maxRows) {
    const kept = rows.slice(0, maxRows);
    const hidden = items.length - kept.flat().length;
    const last = kept[maxRows - 1];
    last[last.length - 1] = { name: `… and ${hidden + 1} more`, color: THEME.textWeak };
    rows = kept;
  }
  const chartHeight = box.height - rows.length * LEGEND_ROW - 4;
  const values = drawn.flatMap((s, i) => s.points.map(([t, v]) => ({ t: t * 1000, v, k: String(i), alone: s.points.length === 1 })));
  const max = Math.max(...values.map((v) => v.v));
  const threshold = redFrom(panel);
  const dashed = panel.fieldConfig?.defaults.custom?.thresholdsStyle?.mode;
  const showThreshold = threshold !== undefined && dashed !== undefined && dashed !== 'off' && threshold <= max;

  const layers: VegaLite.TopLevelSpec[] = [];
  const x = {
    field: 't', type: 'temporal', title: null,
    scale: { type: 'utc', domain: [range.from * 1000, range.to * 1000] },
    // seconds only when the run was short enough for ticks less than a minute apart
    axis: { format: range.to - range.from < 600 ? '%H:%M:%S' : '%H:%M', tickCount: Math.max(2, Math.floor(box.width / 90)), labelOverlap: true },
  };
  const tickCount = Math.max(2, Math.floor(chartHeight / 40));
  const { scale, values: ticks } = yScale(unit, max, tickCount);
  const y = {
    field: 'v', type: 'quantitative', title: null, stack: null, scale,
    axis: { ...(ticks === undefined ? { tickCount } : { values: ticks }), labelExpr: `grafanaUnit(datum.value, ${JSON.stringify(unit)})` },
  };
  const color = { field: 'k', type: 'nominal', legend: null, scale: { domain: items.map((_, i) => String(i)), range: items.map((it) => it.color) } };
  layers.push({ mark: { type: 'area', opacity: 0.1, clip: true }, encoding: { x, y, color } } as unknown as VegaLite.TopLevelSpec);
  layers.push({ mark: { type: 'line', strokeWidth: 1, clip: true }, encoding: { x, y, color } } as unknown as VegaLite.TopLevelSpec);
  // a series of one sample has no line to draw: a dot, as Grafana shows it
  if (values.some((v) => v.alone)) {
    layers.push({ transform: [{ filter: 'datum.alone' }], mark: { type: 'point', filled: true, size: 16, opacity: 1, clip: true }, encoding: { x, y, color } } as unknown as VegaLite.TopLevelSpec);
  }
  if (showThreshold) {
    layers.push({
      data: { values: [{ v: threshold }] },
      mark: { type: 'rule', stroke: '#F2495C', strokeDash: [6, 4], strokeWidth: 1 },
      encoding: { y: { field: 'v', type: 'quantitative' } },
    } as unknown as VegaLite.TopLevelSpec);
  }
  const spec = {
    width: box.width, height: chartHeight,
    autosize: { type: 'fit', contains: 'padding' },
    padding: { left: 0, right: 6, top: 4, bottom: 0 },
    background: 'transparent',
    data: { values },
    layer: layers,
    config: {
      // no ARIA labels: they would carry each point's time in the machine's time zone, and double the size
      aria: false,
      font: THEME.font,
      view: { stroke: null },
      axis: {
        domain: false, ticks: false, labelColor: THEME.textWeak, labelFontSize: 10, labelPadding: 6,
        gridColor: THEME.grid, gridWidth: 1, labelFont: THEME.font,
      },
    },
  } as unknown as VegaLite.TopLevelSpec;
  const chart = await vegaLiteSvg(spec, box.x, box.y, idPrefix);
  return chart + legendSvg(rows, { x: box.x, y: box.y + chartHeight + 4, width: box.width, height: rows.length * LEGEND_ROW });
}
