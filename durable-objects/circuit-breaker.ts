export type CircuitState = "closed" | "open" | "half-open";

/**
 * A per-user circuit around upstream calls. `threshold` failures in a row open it for `openMs`;
 * while open, callers are refused at once (they serve stale data or fail fast) so a struggling
 * upstream gets no retry storm. After `openMs` one probe is let through: its success closes the
 * circuit, its failure opens it again. Failures are whatever the caller reports; it knows which
 * errors mean "upstream unavailable" and which mean "this request was refused".
 */
export class CircuitBreaker {
  private state: CircuitState = "closed";
  private failures = 0;
  private openUntil = 0;
  private probing = false;
  private probeAt = 0;
  private opens = 0;

  constructor(
    private readonly threshold: () => number,
    private readonly openMs: () => number,
  ) {}

  /** Whether a call may go upstream now; in half-open, only the first caller (the probe) may. */
  allow(now = Date.now()): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") {
      if (now < this.openUntil) return false;
      this.state = "half-open";
      this.probing = false;
    }
    // A probe that never reported (its caller failed before reaching upstream) must not wedge the circuit.
    if (this.probing && now < this.probeAt + this.openMs()) return false;
    this.probing = true;
    this.probeAt = now;
    return true;
  }

  succeeded() {
    this.state = "closed";
    this.failures = 0;
    this.probing = false;
  }

  failed(now = Date.now()) {
    this.failures++;
    if (this.state === "half-open" || this.failures >= this.threshold()) {
      if (this.state !== "open") this.opens++;
      this.state = "open";
      this.openUntil = now + this.openMs();
      this.probing = false;
    }
  }

  /** Whole seconds until a probe will be allowed (at least 1 while refusing). */
  retryAfterSeconds(now = Date.now()): number {
    return Math.max(1, Math.ceil((this.openUntil - now) / 1000));
  }

  snapshot(now = Date.now()) {
    const state = this.state === "open" && now >= this.openUntil ? "half-open" : this.state;
    return {
      state,
      consecutiveFailures: this.failures,
      opens: this.opens,
      openUntil: this.state === "open" ? new Date(this.openUntil).toISOString() : null,
    };
  }
}
