import { PrometheusRuleSpecGroupsRules, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring-rules-monitoring.coreos.com';

/**
 * An alerting rule: its expression, how long it must hold (`0m`: at once), severity, a summary and
 * description, and labels every alert of the rule carries.
 */
export function alert(name: string, severity: 'critical' | 'warning', holdFor: string, expression: string, summary: string, description: string,
  labels: Readonly<Record<string, string>> = {}): PrometheusRuleSpecGroupsRules {
  return {
    alert: name,
    expr: PrometheusRuleSpecGroupsRulesExpr.fromString(expression),
    ...(holdFor !== '0m' && { for: holdFor }),
    labels: { severity, ...labels },
    annotations: { summary, description },
  };
}
