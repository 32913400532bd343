import { barGaugeSvg } from './bargauge';
import type { RunDashboard, RunData, RunPanel } from './run-data';
import { panelSeries } from './series';
import { statSvg } from './stat';
import { Box, escapeXml, fit, n, rect, text } from './svg';
import { THEME } from './theme';
import { TimeRange, timeseriesSvg } from './timeseries';
import { KNOWN_UNITS } from './units';

/** The image's width; Grafana's 24 columns share it, and a grid unit of height is 30 px plus an 8 px gap, as in Grafana. */
export const IMAGE_WIDTH = 1200;
const MARGIN = 16;
const GAP = 8;
const UNIT_HEIGHT = 30;
const HEADER = 52;
const COLUMN = (IMAGE_WIDTH - 2 * MARGIN + GAP) / 24;

function panelBox(panel: RunPanel): Box {
  const { x, y, w, h } = panel.gridPos;
  return { x: MARGIN + x * COLUMN, y: HEADER + y * (UNIT_HEIGHT + GAP), width: w * COLUMN - GAP, height: h * (UNIT_HEIGHT + GAP) - GAP };
}

/** From the first to the last sample of the dashboard's range queries (an instant query's time ends it, if there are none). */
function timeRange(dashboard: RunDashboard): TimeRange {
  const times = dashboard.panels.flatMap((p) => (p.results ?? []).flatMap((r) => r.series.flatMap((s) => ('values' in s ? s.values : [s.value]).map(([t]) => t))));
  if (times.length === 0) return { from: 0, to: 3600 };
  const to = Math.max(...times);
  const from = Math.min(...times);
  return { from: from < to ? from : to - 3600, to };
}

/** `2026-12-02 14:00:05 to 14:20:05 UTC`, the date once when both ends share it. */
function utcRange(range: TimeRange): string {
  const [from, to] = [range.from, range.to].map((s) => new Date(s * 1000).toISOString().slice(0, 19).split('T'));
  return `${from[0]} ${from[1]} to ${to[0] === from[0] ? '' : `${to[0]} `}${to[1]} UTC`;
}

function checkUnit(dashboard: RunDashboard, panel: RunPanel): void {
  const unit = panel.fieldConfig?.defaults.unit;
  if (unit !== undefined && !(KNOWN_UNITS as readonly string[]).includes(unit)) {
    throw new Error(`dashboard ${dashboard.uid}, panel ${panel.id} (${panel.title}): unit ${JSON.stringify(unit)} is not one the images format (${KNOWN_UNITS.join(', ')}); `
      + 'add it to formatValue in scripts/dashboard-images/units.ts');
  }
}

async function panelSvg(dashboard: RunDashboard, panel: RunPanel, range: TimeRange): Promise<string> {
  const box = panelBox(panel);
  if (panel.type === 'row') {
    const y = box.y + 20;
    return `<path d="M${n(box.x + 2)},${n(y - 9)} l5,5 l5,-5" fill="none" stroke="${THEME.text}" stroke-width="1.6"/>`
      + text(box.x + 20, y, panel.title, { size: 16, weight: 500 });
  }
  checkUnit(dashboard, panel);
  const content: Box = { x: box.x + 10, y: box.y + 32, width: box.width - 20, height: box.height - 40 };
  const series = panelSeries(panel);
  let body: string;
  switch (panel.type) {
    case 'timeseries': body = await timeseriesSvg(panel, series, content, range, `${dashboard.uid}-${panel.id}-`); break;
    case 'stat': body = statSvg(panel, series, content); break;
    case 'bargauge': body = barGaugeSvg(panel, series, content); break;
  }
  return `<g>${rect(box.x, box.y, box.width, box.height, THEME.panel, `rx="3" stroke="${THEME.panelBorder}"`)}`
    + `${text(box.x + 10, box.y + 21, fit(panel.title, box.width - 20, 14), { size: 14, weight: 500 })}${body}</g>`;
}

/** One dashboard as an SVG image that looks like Grafana showing it: panels where their gridPos puts them, dark theme. */
export async function dashboardSvg(dashboard: RunDashboard, tenant: string): Promise<string> {
  const range = timeRange(dashboard);
  const bottom = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const height = HEADER + bottom * (UNIT_HEIGHT + GAP) - GAP + MARGIN;
  const panels: string[] = [];
  // one after another: vega's renderer is not meant to run charts concurrently, and order keeps output stable
  for (const panel of dashboard.panels) panels.push(await panelSvg(dashboard, panel, range));
  const usesTenant = dashboard.panels.some((p) => (p.results ?? []).some((r) => /\$\{?tenant\b/.test(r.template)));
  const subtitle = `${usesTenant ? `tenant ${tenant} · ` : ''}${utcRange(range)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_WIDTH}" height="${height}" viewBox="0 0 ${IMAGE_WIDTH} ${height}" font-family="${escapeXml(THEME.font)}">`,
    `<title>${escapeXml(dashboard.title)}</title>`,
    rect(0, 0, IMAGE_WIDTH, height, THEME.background),
    text(MARGIN, 33, dashboard.title, { size: 20, weight: 500 }),
    text(IMAGE_WIDTH - MARGIN, 33, subtitle, { size: 13, color: THEME.textWeak, anchor: 'end' }),
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

/** Every dashboard of the data, by uid. */
export async function dashboardImages(data: RunData): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  for (const dashboard of data.dashboards) images.set(dashboard.uid, await dashboardSvg(dashboard, data.tenant));
  return images;
}
