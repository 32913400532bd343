import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { inNamespace } from './dashboard-props';
import { grafanaSdk } from './grafana-sdk';

/**
 * What every tenant-cdc dashboard shares: a Prometheus data source chosen by a variable (never a
 * hard-coded uid, so one JSON file imports into any Grafana), the namespace and Connect cluster variables,
 * and a layout that gives every panel a unique id and a place on Grafana's 24-column grid.
 */

/** Every panel's data source: the `datasource` variable's choice. */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** The grid's width in Grafana's columns. */
const GRID_COLUMNS = 24;

/** A panel builder of any visualization: the part of their API the layout uses. */
export interface PanelBuilder extends cog.Builder<dashboard.Panel> {
  id(id: number): this;
  gridPos(gridPos: dashboard.GridPos): this;
}

/** One PromQL query of a panel; `legend` is Grafana's legend format (`{{label}}`). */
export interface PanelQuery {
  readonly expr: string;
  readonly legend?: string;
  /** Only the value at the end of the range (top lists, states: a state's series lingers in a range after it changed). */
  readonly instant?: boolean;
}

/** The Prometheus queries of a panel, lettered A, B, … as Grafana does. */
export function promQueries(queries: readonly PanelQuery[]): prometheus.DataqueryBuilder[] {
  const { prometheus } = grafanaSdk();
  return queries.map((q, i) => {
    const query = new prometheus.DataqueryBuilder().refId(String.fromCharCode(65 + i)).datasource(DATASOURCE).expr(q.expr)
      .legendFormat(q.legend ?? '__auto');
    // time-series format for instant queries too: a bar gauge shows one bar per series, named by the legend
    return q.instant ? query.instant() : query.range();
  });
}

/**
 * Places panels row by row, left to right, with ids 1, 2, 3, … in that order: Grafana keys panel state
 * (links, edits, `viewPanel=`) by id, so ids must be unique and stay put when the generator runs again.
 */
export class DashboardLayout {
  private nextId = 1;
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  constructor(private readonly builder: dashboard.DashboardBuilder) {}

  /** A row header across the whole width, below everything placed so far. */
  row(title: string): this {
    this.newLine();
    const { dashboard } = grafanaSdk();
    this.builder.withRow(new dashboard.RowBuilder(title).id(this.nextId++).gridPos({ x: 0, y: this.y, w: GRID_COLUMNS, h: 1 }));
    this.y += 1;
    return this;
  }

  /** A panel `width` columns wide and `height` units high, on the current line if it fits there. */
  panel(panel: PanelBuilder, width: number, height = 8): this {
    if (this.x + width > GRID_COLUMNS) this.newLine();
    this.builder.withPanel(panel.id(this.nextId++).gridPos({ x: this.x, y: this.y, w: width, h: height }));
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
    return this;
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

/** The settings every tenant-cdc dashboard has. */
export function dashboardBuilder(title: string, uid: string, description: string): dashboard.DashboardBuilder {
  const { dashboard } = grafanaSdk();
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['tenant-cdc', 'generated'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}

/** The data source variable: any Prometheus the Grafana knows. */
export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  const { dashboard } = grafanaSdk();
  return new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/**
 * A variable of a label's values, from Grafana's `label_values(series, label)`; `defaultValue` is what it
 * shows first (the namespace the tenants file names), and `all` adds an "All" choice matching every value.
 */
export function labelValuesVariable(name: string, label: string, series: string, options: { title: string; defaultValue?: string; all?: boolean }): dashboard.QueryVariableBuilder {
  const { dashboard } = grafanaSdk();
  const definition = `label_values(${series}, ${label})`;
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(options.title)
    .datasource(DATASOURCE)
    .query(definition)
    .definition(definition)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  if (options.defaultValue !== undefined) variable.current({ text: options.defaultValue, value: options.defaultValue });
  // "All" as `.*`: Grafana's default for All is every value joined with '|', which grows with the fleet
  if (options.all) variable.includeAll(true).multi(true).allValue('.*').current({ text: 'All', value: '$__all' });
  return variable;
}

/**
 * The variables of a dashboard about Connect clusters: the data source, the namespace (the tenants file's
 * first) and the Connect cluster (All first).
 */
export function connectClusterVariables(namespace: string): Array<dashboard.DatasourceVariableBuilder | dashboard.QueryVariableBuilder> {
  return [
    datasourceVariable(),
    labelValuesVariable('namespace', 'namespace', 'kafka_connect_worker_connector_count', { title: 'Namespace', defaultValue: namespace }),
    labelValuesVariable('cluster', 'strimzi_io_cluster', inNamespace('kafka_connect_worker_connector_count'), { title: 'Connect cluster', all: true }),
  ];
}
