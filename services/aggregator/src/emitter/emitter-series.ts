/** A series' labels, as prom-client takes them. */
export type SeriesLabels = Record<string, string>;

export interface CounterSeries {
  inc(labels: SeriesLabels, value?: number): void;
}

export interface GaugeSeries {
  set(labels: SeriesLabels, value: number): void;
  remove(labels: SeriesLabels): void;
}

/**
 * The few prom-client series the emitter changes (metrics.ts declares them), by what it does
 * with them. The aggregator's metrics are one: on the emitter's own thread a recorder stands in
 * for them (recordingSeries), and the aggregator applies what it recorded (applySeries).
 */
export interface EmitterSeries {
  results: CounterSeries;
  windowCounts: CounterSeries;
  emitFailures: CounterSeries;
  latestFinalCount: GaugeSeries;
  latestFinalValue: GaugeSeries;
  watermarkLag: GaugeSeries;
  openWindows: GaugeSeries;
  stateReplicas: GaugeSeries;
}

const SERIES_NAMES = [
  'results',
  'windowCounts',
  'emitFailures',
  'latestFinalCount',
  'latestFinalValue',
  'watermarkLag',
  'openWindows',
  'stateReplicas',
] as const;

/** One change to a series, as posted between threads: which, what, its labels, its value. */
export type SeriesChange = [series: keyof EmitterSeries, change: 'inc' | 'set' | 'remove', labels: SeriesLabels, value: number];

/** Series that record their changes instead of making them; `take` hands over what was recorded since. */
export function recordingSeries(): { series: EmitterSeries; take(): SeriesChange[] } {
  let changes: SeriesChange[] = [];
  const recorder = (name: keyof EmitterSeries) => ({
    inc: (labels: SeriesLabels, value = 1) => void changes.push([name, 'inc', labels, value]),
    set: (labels: SeriesLabels, value: number) => void changes.push([name, 'set', labels, value]),
    remove: (labels: SeriesLabels) => void changes.push([name, 'remove', labels, 0]),
  });
  const series = {} as Record<keyof EmitterSeries, CounterSeries & GaugeSeries>;
  for (const name of SERIES_NAMES) series[name] = recorder(name);
  return {
    series,
    take() {
      const taken = changes;
      changes = [];
      return taken;
    },
  };
}

/**
 * Makes recorded changes to the series. They come from another thread: a change that is not
 * one of these (a bug, not an input) is skipped rather than thrown at the aggregator.
 */
export function applySeries(series: EmitterSeries, changes: readonly SeriesChange[]): void {
  for (const [name, change, labels, value] of changes) {
    if (!SERIES_NAMES.includes(name)) continue;
    const target = series[name] as Partial<CounterSeries & GaugeSeries>;
    if (change === 'inc') target.inc?.(labels, value);
    else if (change === 'set') target.set?.(labels, value);
    else if (change === 'remove') target.remove?.(labels);
  }
}
