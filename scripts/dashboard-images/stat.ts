import type { RunPanel } from './run-data';
import { lastValue, PanelSeries } from './series';
import { Box, fit, noData, rect, text, textWidth } from './svg';
import { mappedValue, thresholdColor } from './theme';
import { formatValue } from './units';

/** Grafana's stat panel in background colour mode: per series the last value (or its name), big, on its threshold's or mapping's colour. */
export function statSvg(panel: RunPanel, series: readonly PanelSeries[], box: Box): string {
  const shown = series.flatMap((s) => {
    const value = lastValue(s);
    return value === undefined ? [] : [{ name: s.name, value }];
  });
  if (shown.length === 0) return noData(box);
  const unit = panel.fieldConfig?.defaults.unit;
  const withName = panel.options?.textMode === 'value_and_name';
  // textMode name: the series' name (a state whose series is 1) takes the value's place
  const nameOnly = panel.options?.textMode === 'name';
  // Grafana's auto orientation: side by side in a wide panel, one above the other in a tall one
  const cols = box.width >= box.height ? shown.length : 1;
  const rows = box.width >= box.height ? 1 : shown.length;
  const gap = 4;
  const cellW = (box.width - gap * (cols - 1)) / cols;
  const cellH = (box.height - gap * (rows - 1)) / rows;
  return shown.map((item, i) => {
    const x = box.x + (i % cols) * (cellW + gap);
    const y = box.y + Math.floor(i / cols) * (cellH + gap);
    const mapped = mappedValue(panel, item.value);
    const valueText = nameOnly ? item.name : mapped?.text ?? formatValue(item.value, unit);
    const color = mapped?.color ?? thresholdColor(panel, item.value);
    const nameSize = Math.max(8, Math.min(14, cellH * 0.16, (cellW - 8) / (item.name.length * 0.56)));
    const valueSize = Math.max(10, Math.min(44, cellH * (withName ? 0.42 : 0.55), (cellW * 0.9) / (valueText.length * 0.56)));
    const block = (withName ? nameSize + 6 : 0) + valueSize * 0.72;
    const top = y + (cellH - block) / 2;
    const parts = [rect(x, y, cellW, cellH, color, 'rx="2"')];
    if (withName) parts.push(text(x + cellW / 2, top + nameSize * 0.75, fit(item.name, cellW - 8, nameSize), { size: nameSize, color: '#ffffff', weight: 500, anchor: 'middle' }));
    parts.push(text(x + cellW / 2, top + block, textWidth(valueText, valueSize) > cellW ? fit(valueText, cellW - 4, valueSize) : valueText,
      { size: valueSize, color: '#ffffff', weight: 500, anchor: 'middle' }));
    return parts.join('');
  }).join('');
}
