export interface LatencySummary {
  readonly orders: number;
  readonly ordersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly bigint[], p: number): bigint {
  if (sorted.length === 0) return 0n;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

/** Throughput over the phase's wall time and the latency percentiles of its requests (nanosecond samples). */
export function summarizeLatencies(samplesNs: readonly bigint[], wallNs: bigint): LatencySummary {
  const sorted = [...samplesNs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    orders: sorted.length,
    ordersPerSecond: sorted.length / (Number(wallNs) / 1e9),
    p50Ms: nsToMs(percentile(sorted, 50)),
    p99Ms: nsToMs(percentile(sorted, 99)),
  };
}
