import type { CachedRow } from "../src/db/cache-rows";
import type { D1Trust } from "./d1-trust";
import type { D1Writer } from "./d1-writer";
import type { HotLayer } from "./hot-layer";

/** One resource under the budget: its hot layer, and how to read its dropped payloads from D1. */
export interface Budgeted {
  readonly hot: HotLayer;
  read(ids: string[]): Promise<CachedRow[]>;
}

/** One resource's view of the user's budget: what its reads pin and bring back (see `MemoryBudget.of`). */
export interface ResourceBudget {
  using<T>(id: string | undefined, timing: { d1: number }, work: () => Promise<T>): Promise<T>;
  restore(timing: { d1: number }, ids?: string[]): Promise<boolean>;
  enforce(): void;
}

/**
 * Keeps the strings of the user's hot layers (one per resource) within `CACHE_MAX_BYTES`, one
 * budget across them, by dropping the least recently used payloads (JSON and parsed object), and
 * brings them back from D1 when a read needs them. What fencing, freshness and the complete-list
 * rule need stays in memory (`Stub`), so only payloads ever come from D1. See
 * docs/architecture.md, "Memory bound".
 */
export class MemoryBudget {
  /** Per hot layer, ids that requests in flight are using → how many: their payloads are not dropped under them. */
  private readonly pins = new Map<HotLayer, Map<string, number>>();
  private waiting = false;

  constructor(
    private readonly parts: () => readonly Budgeted[],
    private readonly d1: D1Writer,
    private readonly trust: D1Trust,
    private readonly maxBytes: () => number,
  ) {}

  /** `part`'s view: its pins and restores, the one budget's enforcement. */
  of(part: Budgeted): ResourceBudget {
    return {
      using: (id, timing, work) => this.using(part, id, timing, work),
      restore: (timing, ids) => this.restore(part, timing, ids),
      enforce: () => this.enforce(),
    };
  }

  /**
   * Runs one request that works on `id` (if any) of `part`: its payload is brought back first where
   * D1 can give it, and is not dropped while the request runs; the budget is enforced afterwards.
   */
  async using<T>(part: Budgeted, id: string | undefined, timing: { d1: number }, work: () => Promise<T>): Promise<T> {
    const pins = this.pins.get(part.hot) ?? new Map<string, number>();
    this.pins.set(part.hot, pins);
    if (id !== undefined) pins.set(id, (pins.get(id) ?? 0) + 1);
    try {
      if (id !== undefined) await this.restore(part, timing, [id]);
      return await work();
    } finally {
      if (id !== undefined) {
        const n = pins.get(id)! - 1;
        if (n === 0) pins.delete(id);
        else pins.set(id, n);
      }
      this.enforce();
    }
  }

  /**
   * Brings dropped payloads of `part` among `ids` (default: all) back from D1, in one statement.
   * True if none is missing any more. A row counts only while D1 is trusted and only for the exact
   * version memory holds; otherwise the payload stays dropped and the read goes to Vapi. The time
   * it takes is D1's in Server-Timing.
   */
  async restore(part: Budgeted, timing: { d1: number }, ids?: string[]): Promise<boolean> {
    if (part.hot.evicted(ids).length === 0) return true;
    const started = Date.now();
    try {
      return await this.load(part, ids);
    } finally {
      timing.d1 += Date.now() - started;
    }
  }

  private async load(part: Budgeted, ids: string[] | undefined): Promise<boolean> {
    // D1 follows memory in order: rows queued before this read are in once the queue drains.
    await this.d1.drained();
    const wanted = part.hot.evicted(ids);
    if (wanted.length === 0) return true;
    // guard: dropped-payloads-read-from-an-untrusted-d1
    if (this.trust.untrusted) return false;
    try {
      part.hot.restore(await part.read(wanted));
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", msg: "d1 read of dropped payloads failed", error: String(err) }));
      return false;
    }
    return part.hot.evicted(ids).length === 0;
  }

  /**
   * Drops least recently used payloads past the budget, but only when D1 holds every payload
   * memory does (its queue idle, nothing failed); else once the queue drains, or, while D1 is
   * untrusted, not until it has been repaired.
   */
  enforce() {
    const max = this.maxBytes();
    if (this.bytes() <= max || this.waiting || this.trust.untrusted) return;
    if (this.d1.idle) {
      this.trim(max);
      return;
    }
    this.waiting = true;
    void this.d1.drained().then(() => {
      this.waiting = false;
      this.enforce();
    });
  }

  /** What every hot layer's strings take now. */
  private bytes(): number {
    return this.parts().reduce((n, p) => n + p.hot.memory().bytes, 0);
  }

  /**
   * Trims the largest hot layer first, to what the others leave of the budget, then the next:
   * with one resource, exactly its least recently used payloads past `max`.
   */
  private trim(max: number) {
    const largestFirst = [...this.parts()].sort((a, b) => b.hot.memory().bytes - a.hot.memory().bytes);
    for (const part of largestFirst) {
      const others = this.bytes() - part.hot.memory().bytes;
      part.hot.trim(Math.max(0, max - others), this.pins.get(part.hot));
      if (this.bytes() <= max) return;
    }
  }
}
