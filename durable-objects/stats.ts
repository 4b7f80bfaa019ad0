import type { CircuitBreaker } from "./circuit-breaker";
import type { HotMemory } from "./entry-store";

type CircuitSnapshot = ReturnType<CircuitBreaker["snapshot"]>;
const SAMPLES = 1024;
/** Said in every stats answer, so no one reads `hotLayer.bytes` as the whole footprint. */
const UNCOUNTED = "parsed item objects (roughly 1.3-2x their JSON in V8)";

/** One resource's read and write counters (its read path and its RPC frame count them). */
export class Counters {
  hits = 0;
  misses = 0;
  staleServed = 0;
  coalesced = 0;
  errors = 0;
  writes = 0;
  /** List refreshes that found Vapi's list byte-identical to the last one applied: confirmed without parsing it. */
  listsUnchanged = 0;
}

/** One resource's part of a stats answer: its counters and what its hot layer holds. */
export interface ResourceUsage {
  name: string;
  counters: Counters;
  memory: HotMemory;
}

const sum = <T>(parts: readonly T[], of: (p: T) => number) => parts.reduce((n, p) => n + of(p), 0);

/**
 * Per-user counters: the upstream ones and a ring of recent upstream latencies here, the reads'
 * and writes' per resource (`Counters`), summed into the totals. Memory only: reset on eviction.
 */
export class CacheStats {
  upstreamCalls = 0;
  upstreamErrors = 0;
  /** Extra attempts of upstream reads (each logical read is one `upstreamCalls` per attempt too). */
  retries = 0;
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

  snapshot(parts: readonly ResourceUsage[], budgetBytes: number, circuit: CircuitSnapshot) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null) : null;
    const counted = (key: keyof Counters) => sum(parts, (p) => p.counters[key]);
    const memory = (key: keyof HotMemory) => sum(parts, (p) => p.memory[key]);
    const hot: HotMemory = {
      entries: memory("entries"),
      resident: memory("resident"),
      bytes: memory("bytes"),
      jsonBytes: memory("jsonBytes"),
      listBytes: memory("listBytes"),
      evictions: memory("evictions"),
    };
    return {
      since: new Date(this.since).toISOString(),
      hits: counted("hits"),
      misses: counted("misses"),
      staleServed: counted("staleServed"),
      coalesced: counted("coalesced"),
      upstreamCalls: this.upstreamCalls,
      upstreamErrors: this.upstreamErrors,
      retries: this.retries,
      circuit,
      errors: counted("errors"),
      writes: counted("writes"),
      listsUnchanged: counted("listsUnchanged"),
      team: { coordinated: this.teamCoordinated, unavailable: this.teamUnavailable, applied: this.teamApplied },
      hotLayer: { ...hot, budgetBytes, uncounted: UNCOUNTED },
      upstreamLatencyMs: { samples: sorted.length, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
      // Beside the totals: the same counters and memory for each resource (its `name`).
      resources: Object.fromEntries(parts.map((p) => [p.name, { ...p.counters, hotLayer: p.memory }])),
    };
  }
}

export type StatsSnapshot = ReturnType<CacheStats["snapshot"]>;
