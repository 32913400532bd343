import type { RunPanel } from './run-data';

/** Grafana's dark theme, as far as these images need it. */
export const THEME = {
  font: 'Inter, Helvetica, Arial, sans-serif',
  background: '#111217',
  panel: '#181b1f',
  panelBorder: '#2c2f35',
  text: '#ccccdc',
  textWeak: '#8e8e9c',
  grid: '#2a2d33',
  track: '#23262b',
} as const;

/** Grafana's named colours that thresholds and value mappings use. */
const NAMED: Readonly<Record<string, string>> = {
  green: '#73BF69', red: '#F2495C', orange: '#FF9830', yellow: '#FADE2A', blue: '#5794F2', purple: '#B877D9',
  'dark-green': '#37872D', 'dark-red': '#C4162A', text: THEME.text,
};

/** A Grafana colour (a name or a CSS colour) as a CSS colour. */
export function grafanaColor(color: string): string {
  return NAMED[color] ?? color;
}

/** Grafana's classic palette, which timeseries panels use series by series. */
export const PALETTE = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0',
  '#508642', '#CCA300', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477'] as const;

/** The colour of the highest threshold step `value` reaches (the base step's null is -∞). */
export function thresholdColor(panel: RunPanel, value: number): string {
  const steps = panel.fieldConfig?.defaults.thresholds?.steps ?? [{ value: null, color: 'green' }];
  let color = steps[0]?.color ?? 'green';
  for (const step of steps) if (step.value === null || value >= step.value) color = step.color;
  return grafanaColor(color);
}

/** The lowest threshold above the base, where a panel turns red; undefined when there is none. */
export function redFrom(panel: RunPanel): number | undefined {
  const steps = panel.fieldConfig?.defaults.thresholds?.steps ?? [];
  return steps.find((s) => s.value !== null)?.value ?? undefined;
}

/** A value mapping's text and colour for `value` (Grafana's `value` mappings, exact match), if any. */
export function mappedValue(panel: RunPanel, value: number): { text: string; color?: string } | undefined {
  for (const mapping of panel.fieldConfig?.defaults.mappings ?? []) {
    if (mapping.type !== 'value') continue;
    const hit = mapping.options[String(value)];
    if (hit?.text !== undefined) return { text: hit.text, color: hit.color === undefined ? undefined : grafanaColor(hit.color) };
  }
  return undefined;
}
