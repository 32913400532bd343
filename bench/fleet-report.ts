/** The one table `npm run bench:fleet` prints: a row per measure, filled in as the phases run. */
export class FleetReport {
  private readonly rows: Array<[string, string]> = [];

  constructor(private readonly title: string) {}

  add(measure: string, value: string): void {
    this.rows.push([measure, value]);
  }

  /** The table in markdown; a phase that did not finish shows what it got to. */
  markdown(): string {
    const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
    return [`| ${cell(this.title)} | |`, '|---|---|', ...this.rows.map(([measure, value]) => `| ${cell(measure)} | ${cell(value)} |`)].join('\n');
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 2 : 0)} MiB`;
}

export function cores(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(2);
}

/** The value at quantile q (0..1) of numbers sorted ascending (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
