import { THEME } from './theme';

/** Small helpers for the SVG the panels are drawn in: escaping, text, and widths without a browser. */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with at most one decimal, so output stays short and the same on every machine. */
export function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** An estimate of a text's width: no fonts are measured, so the images do not depend on the machine's fonts. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.56;
}

/** `text` cut to fit `width`, with an ellipsis when cut. */
export function fit(text: string, width: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= width) return text;
  const chars = Math.max(0, Math.floor(width / (fontSize * 0.56)) - 1);
  return chars === 0 ? '' : `${text.slice(0, chars)}…`;
}

export interface TextStyle {
  size: number;
  color?: string;
  weight?: number;
  anchor?: 'start' | 'middle' | 'end';
}

/** A text element at (x, y), y being its baseline. */
export function text(x: number, y: number, content: string, style: TextStyle): string {
  const attrs = [`x="${n(x)}"`, `y="${n(y)}"`, `font-size="${n(style.size)}"`, `fill="${style.color ?? THEME.text}"`];
  if (style.weight !== undefined) attrs.push(`font-weight="${style.weight}"`);
  if (style.anchor !== undefined && style.anchor !== 'start') attrs.push(`text-anchor="${style.anchor}"`);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

export function rect(x: number, y: number, width: number, height: number, fill: string, extra = ''): string {
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, width))}" height="${n(Math.max(0, height))}" fill="${fill}"${extra === '' ? '' : ` ${extra}`}/>`;
}

/** The area a panel draws its content in, in the dashboard's coordinates. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** "No data" in the middle of a box, as Grafana writes it. */
export function noData(box: Box): string {
  return text(box.x + box.width / 2, box.y + box.height / 2 + 5, 'No data', { size: 14, color: THEME.textWeak, anchor: 'middle' });
}
