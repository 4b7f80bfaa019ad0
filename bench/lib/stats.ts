// Latency summaries from raw samples (float ms), so sub-millisecond hot paths keep their
// precision (autocannon's own histogram records whole milliseconds).

/** One measured scenario: latency percentiles and throughput. */
export interface Summary {
  /** Completed requests that were measured (2xx, or as the scenario says). */
  count: number;
  p50: number;
  p99: number;
  /** Completed requests per second over the measured window; null when not meaningful. */
  rps: number | null;
  /** Requests that failed (socket errors, timeouts, unexpected status). */
  failed: number;
}

/** The p-th percentile (0..1) of `sorted` (ascending), nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(samples: readonly number[], seconds: number | null, failed = 0): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    rps: seconds ? sorted.length / seconds : null,
    failed,
  };
}

/**
 * Standard error of a sample median (1.2533·σ/√n, exact for normal data and close enough for the
 * emulator's uniform delays): how far two p50s can differ by chance alone.
 */
export function medianNoise(samples: readonly number[]): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const mean = samples.reduce((s, v) => s + v, 0) / n;
  const variance = samples.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return (1.2533 * Math.sqrt(variance)) / Math.sqrt(n);
}

export const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
