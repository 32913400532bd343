import type * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import type * as stat from '@grafana/grafana-foundation-sdk/stat';
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * The Grafana Foundation SDK's builders, loaded on first use rather than with the library: they take 0.3
 * to 1 s to load, which every synth would pay although dashboards are opt-in (Node caches them after).
 */
export function grafanaSdk() {
  return {
    bargauge: require('@grafana/grafana-foundation-sdk/bargauge') as typeof bargauge,
    common: require('@grafana/grafana-foundation-sdk/common') as typeof common,
    dashboard: require('@grafana/grafana-foundation-sdk/dashboard') as typeof dashboard,
    prometheus: require('@grafana/grafana-foundation-sdk/prometheus') as typeof prometheus,
    stat: require('@grafana/grafana-foundation-sdk/stat') as typeof stat,
    timeseries: require('@grafana/grafana-foundation-sdk/timeseries') as typeof timeseries,
  };
}
