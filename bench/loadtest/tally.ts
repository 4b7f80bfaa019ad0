// Every answer of a run, counted by status, by what its Cache-Status says and by user.

/** One Cache-Status outcome per answer (docs/api.md), so the counts add up to the answers. */
export const OUTCOMES = ["hit", "miss", "stale", "collapsed", "revalidated", "write", "error", "none"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function classify(cacheStatus: string | undefined): Outcome {
  if (!cacheStatus) return "none"; // errors answered before the cache (401, 400, 424…)
  // Stale answers (200s) carry a detail and may carry Vapi's failed status: check them first.
  if (/detail=(stale-|circuit-open)/.test(cacheStatus)) return "stale";
  // An error answer: Vapi's status, or a detail naming the error (timeout, no key, open circuit).
  if (cacheStatus.includes("fwd-status") || cacheStatus.includes("detail=")) return "error";
  if (cacheStatus.includes("collapsed")) return "collapsed";
  if (/; hit\b/.test(cacheStatus)) return "hit";
  if (cacheStatus.includes("fwd=miss")) return "miss";
  if (cacheStatus.includes("fwd=stale")) return "stale";
  if (cacheStatus.includes("fwd=request")) return "revalidated";
  if (cacheStatus.includes("fwd=method")) return "write";
  return "none";
}

/** autocannon gives headers by their raw names; Node's fetch by lower-case ones. */
export function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(", ") : value;
}

export class Tally {
  readonly statuses: Record<string, number> = {};
  readonly cache = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  /** The same outcomes per resource of the mix (`assistants`, `phone-numbers`, …), for those it answered. */
  readonly byResource: Record<string, Partial<Record<Outcome, number>>> = {};
  /** Requests sent, by user. */
  readonly sentBy: number[];
  sent = 0;
  answers = 0;
  /** Requests that got no answer (socket errors, timeouts). */
  errors = 0;

  constructor(users: number) {
    this.sentBy = new Array<number>(users).fill(0);
  }

  send(user: number): void {
    this.sent++;
    this.sentBy[user] = (this.sentBy[user] ?? 0) + 1;
  }

  record(status: number, cacheStatus: string | undefined, resource?: string): void {
    this.answers++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    const outcome = classify(cacheStatus);
    this.cache[outcome]++;
    if (resource === undefined) return;
    const mine = (this.byResource[resource] ??= {});
    mine[outcome] = (mine[outcome] ?? 0) + 1;
  }
}
