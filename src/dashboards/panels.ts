import type * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as stat from '@grafana/grafana-foundation-sdk/stat';
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, PanelQuery, promQueries } from './dashboard-frame';
import { grafanaSdk } from './grafana-sdk';

/** What every panel says about itself: a title, what it shows and why it matters, its queries, its unit. */
export interface PanelContent {
  readonly title: string;
  readonly description: string;
  readonly queries: readonly PanelQuery[];
  /** A Grafana unit id: `short`, `s`, `ms`, `bytes`, `percentunit`, `ops`, … */
  readonly unit?: string;
  /** A value from which the panel turns red (an alert's threshold, a sized limit). */
  readonly redFrom?: number;
}

function thresholds(redFrom: number | undefined): dashboard.ThresholdsConfigBuilder {
  const { dashboard } = grafanaSdk();
  const steps: dashboard.Threshold[] = [{ value: null, color: 'green' }];
  if (redFrom !== undefined) steps.push({ value: redFrom, color: 'red' });
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** A graph over time; the threshold, if any, is drawn as a dashed line. */
export function timeSeriesPanel(content: PanelContent): timeseries.PanelBuilder {
  const { common, timeseries } = grafanaSdk();
  const panel = new timeseries.PanelBuilder()
    .title(content.title).description(content.description).datasource(DATASOURCE).targets(promQueries(content.queries))
    .unit(content.unit ?? 'short').min(0).thresholds(thresholds(content.redFrom))
    .lineWidth(1).fillOpacity(10).showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom));
  if (content.redFrom !== undefined) panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  return panel;
}

/**
 * One big number per series (the last value), coloured by the threshold; `text` says what each shows: its
 * value, its name (the legend: a state whose series is 1), or both.
 */
export function statPanel(content: PanelContent, options: { text?: 'value' | 'name' | 'value and name'; mappings?: dashboard.ValueMapping[] } = {}): stat.PanelBuilder {
  const { common, stat } = grafanaSdk();
  const textMode = { 'value': common.BigValueTextMode.Auto, 'name': common.BigValueTextMode.Name, 'value and name': common.BigValueTextMode.ValueAndName }[options.text ?? 'value'];
  return new stat.PanelBuilder()
    .title(content.title).description(content.description).datasource(DATASOURCE).targets(promQueries(content.queries))
    .unit(content.unit ?? 'short').thresholds(thresholds(content.redFrom)).mappings(options.mappings ?? [])
    .colorMode(common.BigValueColorMode.Background).graphMode(common.BigValueGraphMode.None).textMode(textMode)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** Horizontal bars, one per series, largest first: a top list. */
export function barGaugePanel(content: PanelContent): bargauge.PanelBuilder {
  const { bargauge, common } = grafanaSdk();
  return new bargauge.PanelBuilder()
    .title(content.title).description(content.description).datasource(DATASOURCE).targets(promQueries(content.queries))
    .unit(content.unit ?? 'short').min(0).thresholds(thresholds(content.redFrom))
    .orientation(common.VizOrientation.Horizontal).displayMode(common.BarGaugeDisplayMode.Basic)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** Grafana value mappings for a 0/1 gauge: what 1 and 0 mean; `alarming` colours 0 red and 1 green, else both blue. */
export function yesNoMappings(yes: string, no: string, options: { alarming?: boolean } = {}): dashboard.ValueMapping[] {
  const { dashboard } = grafanaSdk();
  const [yesColor, noColor] = options.alarming ?? true ? ['green', 'red'] : ['blue', 'blue'];
  return [{
    type: dashboard.MappingType.ValueToText,
    options: { 1: { text: yes, color: yesColor, index: 0 }, 0: { text: no, color: noColor, index: 1 } },
  }];
}
