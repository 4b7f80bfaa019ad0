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

/**
 * Holds the injected faults and decides each request's fate up front, before the request
 * touches any state, so a faulted write changes nothing. Rates of 1 always fault (random()
 * is < 1) and `rateLimit.every: n` answers exactly the n-th, 2n-th… matching request 429,
 * so tests can be deterministic.
 */
export class FaultInjector {
  private faults: Faults | undefined;
  private matched = 0;
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  get current(): Faults | undefined {
    return this.faults;
  }

  set(faults: Faults): void {
    this.faults = faults;
    this.matched = 0;
  }

  clear(): void {
    this.faults = undefined;
    this.matched = 0;
  }

  /** `baseline` is the start-up latency; a fault's latencyMs replaces it on matching routes. */
  decide(route: Route, baseline: LatencyRange | undefined): Decision {
    const faults = this.faults;
    if (!faults || (faults.routes && !faults.routes.includes(route))) {
      return { kind: "pass", delayMs: draw(baseline, this.random) };
    }
    const delayMs = draw(faults.latencyMs ?? baseline, this.random);
    this.matched++;
    if (faults.rateLimit && this.matched % faults.rateLimit.every === 0) {
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
