import * as fs from 'fs';
import { z } from 'zod';

/**
 * The data an e2e run wrote with DASHBOARD_DATA=<file> (test/e2e/dashboards.test.ts): every dashboard's
 * panels as in the dashboard model, each with what its queries returned from the real Prometheus.
 */

const labels = z.record(z.string(), z.string());
/** A Prometheus sample: [unix seconds, value as text] ("NaN" and "+Inf" included, as the API writes them). */
const sample = z.tuple([z.number(), z.string()]);

const queryResult = z.object({
  panelId: z.number(),
  panelTitle: z.string(),
  refId: z.string(),
  legend: z.string(),
  instant: z.boolean(),
  template: z.string(),
  expr: z.string(),
  series: z.array(z.union([
    z.object({ metric: labels, values: z.array(sample) }),
    z.object({ metric: labels, value: sample }),
  ])),
});

const threshold = z.object({ value: z.number().nullable(), color: z.string() });
const valueMapping = z.object({ type: z.string(), options: z.record(z.string(), z.object({ text: z.string().optional(), color: z.string().optional() })) });

const panel = z.object({
  id: z.number(),
  type: z.enum(['row', 'timeseries', 'stat', 'bargauge']),
  title: z.string(),
  gridPos: z.object({ x: z.number().int().min(0).max(23), y: z.number().int().min(0), w: z.number().int().min(1).max(24), h: z.number().int().min(1) }),
  fieldConfig: z.object({
    defaults: z.object({
      unit: z.string().optional(),
      thresholds: z.object({ steps: z.array(threshold) }).optional(),
      mappings: z.array(valueMapping).optional(),
      custom: z.object({ thresholdsStyle: z.object({ mode: z.string() }).optional() }).loose().optional(),
    }).loose(),
  }).loose().optional(),
  options: z.object({ textMode: z.string().optional() }).loose().optional(),
  results: z.array(queryResult).optional(),
}).loose();

const runData = z.object({
  tenant: z.string(),
  scrapeIntervalSeconds: z.number(),
  dashboards: z.array(z.object({ uid: z.string().regex(/^[\w-]+$/), title: z.string(), panels: z.array(panel) })).min(1),
});

export type RunData = z.infer<typeof runData>;
export type RunDashboard = RunData['dashboards'][number];
export type RunPanel = z.infer<typeof panel>;
export type QueryResult = z.infer<typeof queryResult>;
export type PromSeries = QueryResult['series'][number];

/** Reads and checks a data file; what is wrong is named by its place in the file. */
export function readRunData(file: string): RunData {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read it as JSON (${(e as Error).message}); write it with DASHBOARD_DATA=${file} and the dashboards e2e test (docs/monitoring.md: Dashboards)`);
  }
  return parseRunData(json, file);
}

export function parseRunData(json: unknown, source: string): RunData {
  const parsed = runData.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`${source} is not the dashboards e2e test's data: ${problems.join('; ')}; write it again with the e2e test's DASHBOARD_DATA (docs/monitoring.md: Dashboards)`);
  }
  return parsed.data;
}
