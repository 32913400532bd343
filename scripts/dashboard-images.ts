/**
 * npm run dashboard-images [-- DATA_FILE [FOLDER]]
 *
 * Draws each Grafana dashboard of an e2e run's data (DASHBOARD_DATA=<file> with
 * test/e2e/dashboards.test.ts; default docs/dashboards/run-data.json, the committed run) as
 * FOLDER/<uid>.svg (default docs/dashboards), so the docs show what an operator sees.
 * The same data gives byte-identical images; test/dashboards/dashboard-images.test.ts checks the committed ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import { dashboardImages } from './dashboard-images/render-dashboard';
import { readRunData } from './dashboard-images/run-data';

export const DEFAULT_DATA = 'docs/dashboards/run-data.json';

async function main(args: string[]): Promise<void> {
  const dataFile = args[0] ?? DEFAULT_DATA;
  const folder = args[1] ?? path.dirname(DEFAULT_DATA);
  const images = await dashboardImages(readRunData(dataFile));
  fs.mkdirSync(folder, { recursive: true });
  for (const [uid, svg] of images) {
    fs.writeFileSync(path.join(folder, `${uid}.svg`), svg);
    console.log(`${dataFile}: wrote ${path.join(folder, `${uid}.svg`)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
