import type { RunPanel } from './run-data';
import { lastValue, PanelSeries } from './series';
import { Box, fit, noData, rect, text, textWidth } from './svg';
import { thresholdColor, THEME } from './theme';
import { formatValue } from './units';

/** Grafana's horizontal basic bar gauge: per series its name, a bar of its last value on an unfilled track, and the value in the bar's colour. */
export function barGaugeSvg(panel: RunPanel, series: readonly PanelSeries[], box: Box): string {
  const unit = panel.fieldConfig?.defaults.unit;
  // largest first, as a top list reads; equal values by name, so the order never depends on Prometheus'
  const bars = series.flatMap((s) => {
    const value = lastValue(s);
    return value === undefined ? [] : [{ name: s.name, value, shown: formatValue(value, unit) }];
  }).sort((a, b) => b.value - a.value || a.name.localeCompare(b.name));
  if (bars.length === 0) return noData(box);
  const max = Math.max(...bars.map((b) => b.value));
  // the bars share the panel's height, as Grafana's auto sizing does, up to a bar of 40 px
  const rowH = box.height / bars.length;
  const font = Math.max(9, Math.min(13, rowH * 0.55));
  const nameW = Math.min(box.width * 0.38, Math.max(...bars.map((b) => textWidth(b.name, font))) + 8);
  const valueW = Math.max(...bars.map((b) => textWidth(b.shown, font))) + 8;
  const barX = box.x + nameW;
  const barW = Math.max(10, box.width - nameW - valueW);
  return bars.map((bar, i) => {
    const y = box.y + i * rowH;
    const barH = Math.max(3, Math.min(40, rowH * 0.7));
    const barY = y + (rowH - barH) / 2;
    const color = thresholdColor(panel, bar.value);
    const filled = max > 0 ? (barW * bar.value) / max : 0;
    const baseline = y + rowH / 2 + font * 0.36;
    return [
      text(box.x, baseline, fit(bar.name, nameW - 8, font), { size: font, color: THEME.text }),
      rect(barX, barY, barW, barH, THEME.track),
      rect(barX, barY, Math.max(filled, 0), barH, color),
      text(box.x + box.width, baseline, bar.shown, { size: font, color, weight: 500, anchor: 'end' }),
    ].join('');
  }).join('');
}
