/** One scenario's result over its measured window. */
export interface Measurement {
  /** Round trips that succeeded (2xx responses, or `message` frames). */
  completed: number;
  /** Non-2xx responses, connection errors and timeouts, or `error` frames and lost sockets. */
  failed: number;
  durationS: number;
  /** Successful round trips per second. */
  perSecond: number;
  /** Latency of the successful round trips, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
}

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** A measurement from every round trip's latency, for load the runner generates itself. */
export function measurementOf(
  latenciesMs: readonly number[],
  failed: number,
  durationS: number,
): Measurement {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    completed: sorted.length,
    failed,
    durationS,
    perSecond: sorted.length / durationS,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}
