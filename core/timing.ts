/**
 * Where one answer's time went inside the coordinator, in ms, for Server-Timing (docs/api.md,
 * "Server-Timing"). The phases do not overlap and together make the coordinator's whole time:
 * `cache` is what is left (its bookkeeping, waiting in its queues). The Worker adds its own
 * phases (`auth`, `rpc`) and its `total` (src/lib/rpc.ts, src/middleware/server-timing.ts).
 */
export interface Timing {
  /** The coordinator's own work not in another phase. */
  cache: number;
  /** D1 statements awaited before answering (reads, acknowledged writes' batches). */
  d1: number;
  /** Vapi: each upstream call from request to its checked answer (retries and their waits included). */
  vapi: number;
  /** Loading what D1 holds for the user, once per coordinator lifetime (after a restart or eviction). */
  hydrate: number;
  /** Reading and decrypting the user's Vapi key, once per key per coordinator lifetime. */
  key: number;
  /** Applying Vapi's answer: the hot layer's fencing, the D1 statements to queue, the change events. */
  apply: number;
  /** Building the answer's body and validator (the list string is rebuilt only after a change). */
  serialize: number;
  /** A write's time with its team (team-link.ts): finding and joining it, the turn, the announce. */
  team: number;
}

/** The phases in the order they are sent. */
export const PHASES = ["cache", "d1", "vapi", "hydrate", "key", "apply", "serialize", "team"] as const satisfies readonly (keyof Timing)[];

/** A zeroed Timing. */
export const newTiming = (): Timing => ({ cache: 0, d1: 0, vapi: 0, hydrate: 0, key: 0, apply: 0, serialize: 0, team: 0 });

/** Adds `more` (a flight's phases, joined by a request) into `into`. */
export function addTiming(into: Timing, more: Timing) {
  for (const p of PHASES) into[p] += more[p];
}

/** The sum of the phases: the coordinator's whole time for the answer. */
export const timingTotal = (t: Timing) => PHASES.reduce((sum, p) => sum + t[p], 0);

/** Runs `work` and adds its duration to phase `p` (fractions of a ms where the clock has them). */
export function timed<T>(t: Timing, p: keyof Timing, work: () => T): T {
  const started = performance.now();
  try {
    return work();
  } finally {
    t[p] += performance.now() - started;
  }
}

/** A duration as Server-Timing carries it: ms with one decimal. */
export const dur = (ms: number) => (Math.round(ms * 10) / 10).toString();

/** `Server-Timing` of an answer, success or failure: `cache`, `d1` and `vapi` first, as always. */
export const serverTiming = (t: Timing) => PHASES.map((p) => `${p};dur=${dur(t[p])}`).join(", ");
