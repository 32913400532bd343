/** When the tenant-cdc alerts fire; every field has a default. */
export interface AlertThresholds {
  /**
   * A running connector task that polled no record, heartbeats included, for this many minutes is stalled.
   *
   * @default 15
   */
  readonly stalledMinutes?: number;
  /**
   * Debezium's streaming lag behind the database (its last event's commit to its processing) above this many
   * minutes, while events still arrive, is too much.
   *
   * @default 10
   */
  readonly streamingLagMinutes?: number;
  /**
   * A snapshot still running after this many hours is too long.
   *
   * @default 12
   */
  readonly snapshotHours?: number;
  /**
   * The processor more than this many records behind one tenant's raw topics, for 15 minutes, is too far behind.
   *
   * @default 10000
   */
  readonly processorLag?: number;
  /**
   * More dead letters than this for one tenant within 10 minutes need a look.
   *
   * @default 0
   */
  readonly deadLetters?: number;
}

export const DEFAULT_ALERT_THRESHOLDS: Required<AlertThresholds> = {
  stalledMinutes: 15,
  streamingLagMinutes: 10,
  snapshotHours: 12,
  processorLag: 10_000,
  deadLetters: 0,
};

/** The thresholds with every default applied. */
export function resolveAlertThresholds(thresholds: AlertThresholds = {}): Required<AlertThresholds> {
  const resolved = { ...DEFAULT_ALERT_THRESHOLDS };
  for (const [key, value] of Object.entries(thresholds) as Array<[keyof AlertThresholds, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || (key !== 'deadLetters' && value === 0)) {
      throw new Error(`alert threshold ${key} must be a whole number ${key === 'deadLetters' ? 'of at least 0' : 'above 0'}, got ${value}`);
    }
    resolved[key] = value;
  }
  return resolved;
}
