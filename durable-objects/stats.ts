import type { CircuitBreaker } from "./circuit-breaker";
import type { HotMemory } from "./entry-store";

type CircuitSnapshot = ReturnType<CircuitBreaker["snapshot"]>;
const SAMPLES = 1024;
/** Said in every stats answer, so no one reads `hotLayer.bytes` as the whole footprint. */
const UNCOUNTED = "parsed assistant objects (roughly 1.3-2x their JSON in V8)";

/** Per-user counters and a ring of recent upstream latencies. Memory only: reset on eviction. */
export class CacheStats {
  hits = 0;
  misses = 0;
  staleServed = 0;
  coalesced = 0;
  upstreamCalls = 0;
  upstreamErrors = 0;
  /** Extra attempts of upstream reads (each logical read is one `upstreamCalls` per attempt too). */
  retries = 0;
  errors = 0;
  writes = 0;
  /** Writes run in their team's turn and reported to it in time; writes that went on without it. */
  teamCoordinated = 0;
  teamUnavailable = 0;
  /** Teammates' changes applied to this user's cache. */
  teamApplied = 0;
  private readonly since = Date.now();
  private latencies: number[] = [];
  private next = 0;

  upstream(ms: number, ok: boolean) {
    this.upstreamCalls++;
    if (!ok) this.upstreamErrors++;
    if (this.latencies.length < SAMPLES) this.latencies.push(ms);
    else this.latencies[this.next] = ms;
    this.next = (this.next + 1) % SAMPLES;
  }

  snapshot(hot: HotMemory & { budgetBytes: number }, circuit: CircuitSnapshot) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null) : null;
    return {
      since: new Date(this.since).toISOString(),
      hits: this.hits,
      misses: this.misses,
      staleServed: this.staleServed,
      coalesced: this.coalesced,
      upstreamCalls: this.upstreamCalls,
      upstreamErrors: this.upstreamErrors,
      retries: this.retries,
      circuit,
      errors: this.errors,
      writes: this.writes,
      team: { coordinated: this.teamCoordinated, unavailable: this.teamUnavailable, applied: this.teamApplied },
      hotLayer: { ...hot, uncounted: UNCOUNTED },
      upstreamLatencyMs: { samples: sorted.length, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
    };
  }
}

export type StatsSnapshot = ReturnType<CacheStats["snapshot"]>;
