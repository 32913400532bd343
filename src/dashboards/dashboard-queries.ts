import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

/** A panel's query as Prometheus would run it once Grafana has put the variables' values in. */
export interface ResolvedPanelQuery {
  readonly panelId: number;
  readonly panelTitle: string;
  readonly refId: string;
  readonly legend: string;
  readonly instant: boolean;
  /** As written in the dashboard, with `$variables`. */
  readonly template: string;
  readonly expr: string;
}

/** The values of a dashboard's variables (`All` is the variable's `allValue`), and of Grafana's own `$__rate_interval`. */
export type VariableValues = Readonly<Record<string, string>>;

/** Every Prometheus query of every panel, with `values` put in for `$name` and `${name}`. */
export function panelQueries(model: dashboard.Dashboard, values: VariableValues): ResolvedPanelQuery[] {
  return (model.panels ?? []).flatMap((panel) => {
    if (panel.type === 'row') return [];
    const p = panel as dashboard.Panel;
    return (p.targets ?? []).map((target) => {
      const query = target as { refId?: string; expr?: string; legendFormat?: string; instant?: boolean };
      if (typeof query.expr !== 'string') throw new Error(`panel ${p.id} (${p.title}): query ${query.refId} has no PromQL expr`);
      return {
        panelId: p.id!, panelTitle: p.title ?? '', refId: query.refId ?? '', legend: query.legendFormat ?? '', instant: query.instant === true,
        template: query.expr, expr: resolveVariables(query.expr, values),
      };
    });
  });
}

/** The metric names of an expression's selectors (every selector the dashboards write is `name{...}`). */
export function metricNamesOf(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]);
}

/** Puts variable values in for `$name` and `${name}`; a variable with no value is an error, naming it. */
export function resolveVariables(text: string, values: VariableValues): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable $${name} in ${JSON.stringify(text)}; give it in the values (${Object.keys(values).join(', ')})`);
    return value;
  });
}

/** The dashboard's query variables: name and the `label_values(series, label)` query Grafana runs for it. */
export function labelValuesVariables(model: dashboard.Dashboard): Array<{ name: string; series: string; label: string }> {
  return (model.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => {
    const query = String(v.query);
    const match = /^label_values\((.*), *(\w+)\)$/.exec(query);
    if (!match) throw new Error(`variable ${v.name}: ${JSON.stringify(query)} is not label_values(series, label)`);
    return { name: v.name, series: match[1], label: match[2] };
  });
}
