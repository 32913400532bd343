// `npm run synth:helm` runs this on the chart `cdk8s synth --format helm` wrote: Helm renders every file
// under templates/ as a Go template, so the alert texts of the monitoring PrometheusRules, which are
// Prometheus's own Go templates ({{ $labels.tenant }}), would make `helm template` fail ("undefined
// variable"). Each {{ ... }} is written as {{`{{ ... }}`}}: Helm prints the raw string, Prometheus gets
// its template back.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function escapeHelmTemplates(chartDir) {
  const templates = join(chartDir, 'templates');
  for (const file of readdirSync(templates).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(templates, file), 'utf8');
    if (text.includes('`')) throw new Error(`${join(templates, file)} holds a backtick, which a raw Go string cannot; escape its {{ }} by hand`);
    const escaped = text.replace(/\{\{(.*?)\}\}/g, '{{`{{$1}}`}}');
    if (escaped !== text) writeFileSync(join(templates, file), escaped);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) escapeHelmTemplates(process.argv[2] ?? 'dist-helm');
