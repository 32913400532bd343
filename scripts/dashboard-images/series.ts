import type { PromSeries, QueryResult, RunPanel } from './run-data';

/** One series of a panel as Grafana would name and colour it, with its samples as numbers. */
export interface PanelSeries {
  readonly name: string;
  readonly refId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** [unix seconds, value]; NaN and infinite values are left out, as Grafana draws no point for them. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Grafana's `__auto` legend: the series' labels, `name{a="b"}`; the query itself when it has none. */
function autoName(metric: Readonly<Record<string, string>>, expr: string): string {
  const { __name__: name, ...rest } = metric;
  const pairs = Object.keys(rest).sort().map((k) => `${k}="${rest[k]}"`);
  if (pairs.length === 0) return name ?? expr;
  return `${name ?? ''}{${pairs.join(', ')}}`;
}

/** The legend format with `{{label}}` filled in from the series (a missing label is empty, as in Grafana). */
export function seriesName(legend: string, metric: Readonly<Record<string, string>>, expr: string): string {
  if (legend === '' || legend === '__auto') return autoName(metric, expr);
  const filled = legend.replace(/\{\{\s*(.+?)\s*\}\}/g, (_w, label: string) => metric[label] ?? '').replace(/\s+/g, ' ').trim();
  return filled === '' ? autoName(metric, expr) : filled;
}

function points(series: PromSeries): Array<readonly [number, number]> {
  const samples = 'values' in series ? series.values : [series.value];
  return samples.map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => Number.isFinite(v));
}

/** Every series of the panel's queries, in query order and then in the order Prometheus returned them. */
export function panelSeries(panel: RunPanel): PanelSeries[] {
  return (panel.results ?? []).flatMap((result: QueryResult) => result.series.map((series) => ({
    name: seriesName(result.legend, series.metric, result.expr),
    refId: result.refId,
    labels: series.metric,
    points: points(series),
  })));
}

/** The last value of a series (Grafana's `lastNotNull`), undefined when it has none. */
export function lastValue(series: PanelSeries): number | undefined {
  return series.points.length === 0 ? undefined : series.points[series.points.length - 1][1];
}
