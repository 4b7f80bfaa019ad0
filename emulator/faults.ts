import { z } from "zod";
import { ROUTES, type Route } from "./counters.ts";

const latencySchema = z
  .object({ min: z.number().int().min(0).max(600_000), max: z.number().int().min(0).max(600_000) })
  .strict()
  .refine((range) => range.min <= range.max, { message: "min must not be greater than max" });
export type LatencyRange = z.infer<typeof latencySchema>;

/** Body of PUT /__emulator/faults (see docs/emulator.md). */
export const faultsSchema = z
  .object({
    latencyMs: latencySchema.optional(),
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).default(500),
    rateLimit: z
      .object({ every: z.number().int().min(1), retryAfterSeconds: z.number().int().min(0).default(1) })
      .strict()
      .optional(),
    hangRate: z.number().min(0).max(1).optional(),
    routes: z.array(z.enum(ROUTES)).optional(),
    /** What deletes do to items referencing the deleted one (emulator/references.ts); default keep. */
    onReferencedDelete: z.enum(["keep", "clear"]).optional(),
    /** Only requests bearing one of these private keys; lets concurrent test files share one emulator. */
    keys: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type Faults = z.infer<typeof faultsSchema>;

/** What happens to one request, decided when it arrives. */
export type Decision =
  | { kind: "pass"; delayMs: number }
  | { kind: "hang" }
  | { kind: "rate-limited"; delayMs: number; retryAfterSeconds: number }
  | { kind: "error"; delayMs: number; status: number };

function draw(range: LatencyRange | undefined, random: () => number): number {
  return range ? range.min + Math.floor(random() * (range.max - range.min + 1)) : 0;
}

/** One PUT's faults; `matched` drives rateLimit.every across all the keys it names. */
type FaultSet = { faults: Faults; matched: number };

/**
 * Holds the injected faults and decides each request's fate up front, before the request
 * touches any state, so a faulted write changes nothing. Faults with `keys` apply to those
 * keys instead of the global ones. Rates of 1 always fault (random() is < 1) and
 * `rateLimit.every: n` answers exactly the n-th, 2n-th… matching request 429, so tests can
 * be deterministic.
 */
export class FaultInjector {
  private global: FaultSet | undefined;
  private readonly byKey = new Map<string, FaultSet>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** What GET /__emulator/faults shows. */
  view(): { global: Faults | null; byKey: Record<string, Faults> } {
    const byKey = [...this.byKey].map(([key, set]) => [key, set.faults] as const);
    return { global: this.global?.faults ?? null, byKey: Object.fromEntries(byKey) };
  }

  /** Replaces the global faults, or those of each key in `faults.keys`. */
  set(faults: Faults): void {
    const set: FaultSet = { faults, matched: 0 };
    if (faults.keys) for (const key of faults.keys) this.byKey.set(key, set);
    else this.global = set;
  }

  /** Clears one key's faults, or every fault when no key is given. */
  clear(key?: string): void {
    if (key !== undefined) {
      this.byKey.delete(key);
      return;
    }
    this.global = undefined;
    this.byKey.clear();
  }

  /** The reference policy in force for requests bearing `key` (its own faults, else the global ones). */
  referencePolicy(key: string | undefined): "keep" | "clear" {
    const set = (key === undefined ? undefined : this.byKey.get(key)) ?? this.global;
    return set?.faults.onReferencedDelete ?? "keep";
  }

  /** `baseline` is the start-up latency; a fault's latencyMs replaces it on matching routes. */
  decide(route: Route, key: string | undefined, baseline: LatencyRange | undefined): Decision {
    const set = (key === undefined ? undefined : this.byKey.get(key)) ?? this.global;
    const faults = set?.faults;
    if (!set || !faults || (faults.routes && !faults.routes.includes(route))) {
      return { kind: "pass", delayMs: draw(baseline, this.random) };
    }
    const delayMs = draw(faults.latencyMs ?? baseline, this.random);
    set.matched++;
    if (faults.rateLimit && set.matched % faults.rateLimit.every === 0) {
      return { kind: "rate-limited", delayMs, retryAfterSeconds: faults.rateLimit.retryAfterSeconds };
    }
    if (faults.hangRate !== undefined && this.random() < faults.hangRate) return { kind: "hang" };
    if (faults.errorRate !== undefined && this.random() < faults.errorRate) {
      if (faults.errorStatus !== 429) return { kind: "error", delayMs, status: faults.errorStatus };
      return { kind: "rate-limited", delayMs, retryAfterSeconds: faults.rateLimit?.retryAfterSeconds ?? 1 };
    }
    return { kind: "pass", delayMs };
  }
}
