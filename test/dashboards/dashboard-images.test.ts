import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { dashboardImages, dashboardSvg } from '../../scripts/dashboard-images/render-dashboard';
import { parseRunData, readRunData, RunDashboard, RunPanel } from '../../scripts/dashboard-images/run-data';
import { seriesName } from '../../scripts/dashboard-images/series';
import { formatValue } from '../../scripts/dashboard-images/units';
import { tenantCdcDashboards } from '../../src/dashboards/dashboards';
import { DEFAULT_ALERT_THRESHOLDS } from '../../src/monitoring/thresholds';

/** Issue 17, item 4: the docs' dashboard images are drawn from a real e2e run's data by `npm run dashboard-images`. */
const root = path.join(__dirname, '..', '..');
const docsFolder = path.join(root, 'docs', 'dashboards');
const dataFile = path.join(docsFolder, 'run-data.json');
const REGENERATE = 'run the dashboards e2e test with DASHBOARD_DATA=docs/dashboards/run-data.json, then npm run dashboard-images (docs/monitoring.md: Dashboards)';

function committedImages(): string[] {
  expect(fs.existsSync(docsFolder), `${docsFolder} is missing: ${REGENERATE}`).toBe(true);
  return fs.readdirSync(docsFolder).filter((f) => f.endsWith('.svg')).sort();
}

describe('the committed dashboard images', () => {
  test('are what npm run dashboard-images makes of the committed run data, byte for byte', async () => {
    expect(fs.existsSync(dataFile), `${dataFile} is missing: ${REGENERATE}`).toBe(true);
    const images = await dashboardImages(readRunData(dataFile));
    const committed = committedImages();
    expect(committed, `images in docs/dashboards/ that the data has no dashboard for, or the other way round: ${REGENERATE}`)
      .toEqual([...images.keys()].map((uid) => `${uid}.svg`).sort());
    for (const [uid, svg] of images) {
      expect(fs.readFileSync(path.join(docsFolder, `${uid}.svg`), 'utf8') === svg, `docs/dashboards/${uid}.svg is not what the script makes: npm run dashboard-images`).toBe(true);
    }
  });

  test('are each shown in docs/monitoring.md, and it shows no other', () => {
    const embedded = [...fs.readFileSync(path.join(root, 'docs', 'monitoring.md'), 'utf8').matchAll(/!\[[^\]]*\]\(dashboards\/([\w-]+\.svg)\)/g)].map((m) => m[1]);
    expect(embedded.sort()).toEqual(committedImages());
  });

  test('come from a run of the dashboards as the generator makes them now: same panels, places and queries', () => {
    const data = readRunData(dataFile);
    const now = tenantCdcDashboards({ namespace: 'ignored', thresholds: DEFAULT_ALERT_THRESHOLDS });
    const shape = (panels: ReadonlyArray<{ id?: number; type?: string; title?: string; gridPos?: unknown; targets?: unknown[] }>) =>
      panels.map((p) => ({ id: p.id, type: p.type, title: p.title, gridPos: p.gridPos, exprs: (p.targets ?? []).map((t) => (t as { expr?: string }).expr) }));
    expect(data.dashboards.map((d) => d.uid).sort(), REGENERATE).toEqual(now.map((d) => d.model.uid).sort());
    for (const d of data.dashboards) {
      const model = now.find((m) => m.model.uid === d.uid)!.model;
      expect(shape(d.panels as never), `${d.uid}: the dashboard changed since the run: ${REGENERATE}`).toEqual(shape((model.panels ?? []) as never));
    }
  });
});

/** A panel of the given type with one query's series, as the e2e test writes them. */
function panel(type: RunPanel['type'], extra: Partial<RunPanel>, legend: string, series: unknown[], instant = false): RunPanel {
  return {
    id: 2, type, title: `a ${type}`, gridPos: { x: 0, y: 1, w: 12, h: 6 }, fieldConfig: { defaults: { unit: 'short' } }, options: {},
    results: [{ panelId: 2, panelTitle: `a ${type}`, refId: 'A', legend, instant, template: 'up{tenant="$tenant"}', expr: 'up{tenant="acme"}', series }],
    ...extra,
  } as RunPanel;
}

function dashboardOf(...panels: RunPanel[]): RunDashboard {
  return { uid: 'test', title: 'Test dashboard', panels: [{ id: 1, type: 'row', title: 'A row', gridPos: { x: 0, y: 0, w: 24, h: 1 } } as RunPanel, ...panels] };
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('dashboardSvg', () => {
  const range = (values: number[], labels: Record<string, string>) => ({ metric: labels, values: values.map((v, i) => [1_800_000_000 + 15 * i, String(v)]) });

  test('a timeseries: one line per series, named by the legend format, axis labels in the unit', async () => {
    const svg = await dashboardSvg(dashboardOf(panel('timeseries', { fieldConfig: { defaults: { unit: 'bytes' } } }, '{{pod}} used',
      [range([1048576, 2097152, 3145728], { pod: 'w-0' }), range([0, 1048576, 1048576], { pod: 'w-1' })])), 'acme');
    expect(texts(svg)).toEqual(expect.arrayContaining(['Test dashboard', 'A row', 'a timeseries', 'w-0 used', 'w-1 used', '0 B', '1 MiB', '3 MiB', '08:00:00', '08:00:30']));
    expect(texts(svg).some((t) => /^tenant acme · 2027-01-15 08:00:00 to 08:00:30 UTC$/.test(t))).toBe(true);
    // a line per series in the palette's first colours, each through its three points
    expect([...svg.matchAll(/<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+" stroke="(#\w+)" stroke-width="1"/g)].map((m) => m[1])).toEqual(['#7EB26D', '#EAB839']);
  });

  test('a series of one sample is a dot', async () => {
    const svg = await dashboardSvg(dashboardOf(panel('timeseries', {}, '{{pod}}', [range([5], { pod: 'new' }), range([1, 2], { pod: 'old' })])), 'acme');
    expect(svg.match(/class="mark-symbol/g)).toHaveLength(1);
    expect(svg).toMatch(/<path transform="translate\([\d.]+,[\d.]+\)" d="M[^"]+" fill="#7EB26D"/);
  });

  test('a stat: the last value, its mapping\'s text and colour, and the name with value_and_name', async () => {
    const mappings = [{ type: 'value', options: { 1: { text: 'connected', color: 'green' }, 0: { text: 'not connected', color: 'red' } } }];
    const svg = await dashboardSvg(dashboardOf(panel('stat', { fieldConfig: { defaults: { mappings } }, options: { textMode: 'value_and_name' } }, '{{status}}',
      [range([1, 0], { status: 'a' }), range([0, 1], { status: 'b' })])), 'acme');
    expect(texts(svg)).toEqual(expect.arrayContaining(['a', 'not connected', 'b', 'connected']));
    expect(svg).toContain('fill="#F2495C"');
  });

  test('a bar gauge: last values largest first, red from the threshold', async () => {
    const thresholds = { steps: [{ value: null, color: 'green' }, { value: 600_000, color: 'red' }] };
    const svg = await dashboardSvg(dashboardOf(panel('bargauge', { fieldConfig: { defaults: { unit: 'ms', thresholds } } }, '{{tenant}}',
      [{ metric: { tenant: 'small' }, value: [1_800_000_000, '1500'] }, { metric: { tenant: 'big' }, value: [1_800_000_000, '720000'] }], true)), 'acme');
    expect(texts(svg).slice(-4)).toEqual(['big', '12 min', 'small', '1.5 s']);
    expect(svg).toMatch(/fill="#F2495C"[^>]*>12 min</);
  });

  test('a panel whose queries returned nothing says No data', async () => {
    expect(texts(await dashboardSvg(dashboardOf(panel('timeseries', {}, '__auto', [])), 'acme'))).toContain('No data');
  });

  test('the same data twice, in one process, gives the same bytes', async () => {
    const d = dashboardOf(panel('timeseries', {}, '__auto', [range([1, 2, 3], { a: 'b' })]));
    expect(await dashboardSvg(d, 'acme')).toBe(await dashboardSvg(d, 'acme'));
  });

  test('a unit it cannot format is an error naming the panel and where to add it', async () => {
    await expect(dashboardSvg(dashboardOf(panel('stat', { fieldConfig: { defaults: { unit: 'celsius' } } }, '', [])), 'acme'))
      .rejects.toThrow(/dashboard test, panel 2 \(a stat\): unit "celsius" .*scripts\/dashboard-images\/units.ts/);
  });
});

describe('the run data', () => {
  test('that is not the e2e test\'s is refused, naming the place', () => {
    expect(() => parseRunData({ tenant: 'acme', scrapeIntervalSeconds: 5, dashboards: [{ uid: 'x', title: 'x', panels: [{ id: 1, type: 'piechart', title: 'p', gridPos: { x: 0, y: 0, w: 1, h: 1 } }] }] }, 'data.json'))
      .toThrow(/^data.json is not the dashboards e2e test's data: dashboards\.0\.panels\.0\.type: .*DASHBOARD_DATA/);
  });
});

describe('formatValue and seriesName', () => {
  test.each([
    [0.25, 'ms', '250 µs'], [850, 'ms', '850 ms'], [1500, 'ms', '1.5 s'], [720_000, 'ms', '12 min'], [0.0042, 's', '4.2 ms'], [90, 's', '1.5 min'],
    [512, 'bytes', '512 B'], [1.5 * 1024 ** 3, 'bytes', '1.5 GiB'], [0.125, 'percentunit', '12.5%'], [2500, 'ops', '2.5 K ops/s'],
    [0, 'short', '0'], [12345, 'short', '12.3 K'], [3.14159, undefined, '3.14'], [Number.NaN, 'short', 'NaN'],
  ])('%s in %s is %s', (value, unit, shown) => {
    expect(formatValue(value, unit)).toBe(shown);
  });

  test('legends: {{label}} filled in, a missing label empty, __auto the labels or else the query', () => {
    expect(seriesName('{{pod}} used', { pod: 'w-0' }, 'q')).toBe('w-0 used');
    expect(seriesName('{{table}} {{state}}', { table: 'orders' }, 'q')).toBe('orders');
    expect(seriesName('__auto', { __name__: 'up', job: 'x', a: 'b' }, 'q')).toBe('up{a="b", job="x"}');
    expect(seriesName('__auto', {}, 'sum(up)')).toBe('sum(up)');
  });
});
