import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';
import { formatValue } from './units';

/**
 * Vega and Vega-Lite, loaded once. Both are ES modules with a top-level await (vega-canvas looks for the
 * optional native `canvas`), which CommonJS can only `import()`: `npm run dashboard-images` has ts-node
 * compile with "module": "node16", which keeps `import()` as it is (with "commonjs" it becomes a `require()`).
 */


export interface Charting {
  readonly vega: typeof Vega;
  readonly vegaLite: typeof VegaLite;
}

let loaded: Promise<Charting> | undefined;

export function charting(): Promise<Charting> {
  loaded ??= (async () => {
    const vega = await import('vega');
    const vegaLite = await import('vega-lite');
    // text widths estimated, never measured: with `canvas` installed the layout would follow the machine's fonts
    (vega as unknown as { textMetrics: { canvas(use: boolean): void } }).textMetrics.canvas(false);
    // axis labels in the panel's Grafana unit, by the same code as the stat and bar gauge values
    vega.expressionFunction('grafanaUnit', (value: number, unit: string) => formatValue(value, unit));
    return { vega, vegaLite };
  })();
  return loaded;
}

/**
 * A Vega-Lite spec as an SVG fragment placed at (x, y), its ids (clip paths, gradients) renamed with
 * `idPrefix`: Vega numbers them by a counter that lives as long as the process, so the same chart
 * drawn twice would differ, and two charts in one document would share ids.
 */
export async function vegaLiteSvg(spec: VegaLite.TopLevelSpec, x: number, y: number, idPrefix: string): Promise<string> {
  const { vega, vegaLite } = await charting();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  let renamed = svg;
  ids.forEach((id, i) => {
    const to = `${idPrefix}${i + 1}`;
    renamed = renamed.split(`id="${id}"`).join(`id="${to}"`).split(`url(#${id})`).join(`url(#${to})`).split(`href="#${id}"`).join(`href="#${to}"`);
  });
  return renamed.replace(/^<svg /, `<svg x="${x}" y="${y}" `);
}
