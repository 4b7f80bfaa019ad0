import type { CachedRow } from "../src/db/cache-rows";
import type { D1Trust } from "./d1-trust";
import type { D1Writer } from "./d1-writer";
import type { HotLayer } from "./hot-layer";

/**
 * Keeps the hot layer's strings within `CACHE_MAX_BYTES` by dropping the least recently used
 * payloads (JSON and parsed object), and brings them back from D1 when a read needs them. What
 * fencing, freshness and the complete-list rule need stays in memory (`Stub`), so only payloads
 * ever come from D1. See docs/architecture.md, "Memory bound".
 */
export class MemoryBudget {
  /** Ids that requests in flight are using → how many: their payloads are not dropped under them. */
  private readonly pins = new Map<string, number>();
  private waiting = false;

  constructor(
    private readonly hot: HotLayer,
    private readonly d1: D1Writer,
    private readonly trust: D1Trust,
    private readonly maxBytes: () => number,
    private readonly read: (ids: string[]) => Promise<CachedRow[]>,
  ) {}

  /**
   * Runs one request that works on `id` (if any): its payload is brought back first where D1 can
   * give it, and is not dropped while the request runs; the budget is enforced afterwards.
   */
  async using<T>(id: string | undefined, timing: { d1: number }, work: () => Promise<T>): Promise<T> {
    if (id !== undefined) this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    try {
      if (id !== undefined) await this.restore(timing, [id]);
      return await work();
    } finally {
      if (id !== undefined) {
        const n = this.pins.get(id)! - 1;
        if (n === 0) this.pins.delete(id);
        else this.pins.set(id, n);
      }
      this.enforce();
    }
  }

  /**
   * Brings dropped payloads among `ids` (default: all) back from D1, in one statement. True if
   * none is missing any more. A row counts only while D1 is trusted and only for the exact
   * version memory holds; otherwise the payload stays dropped and the read goes to Vapi. The
   * time it takes is D1's in Server-Timing.
   */
  async restore(timing: { d1: number }, ids?: string[]): Promise<boolean> {
    if (this.hot.evicted(ids).length === 0) return true;
    const started = Date.now();
    try {
      return await this.load(ids);
    } finally {
      timing.d1 += Date.now() - started;
    }
  }

  private async load(ids: string[] | undefined): Promise<boolean> {
    // D1 follows memory in order: rows queued before this read are in once the queue drains.
    await this.d1.drained();
    const wanted = this.hot.evicted(ids);
    if (wanted.length === 0) return true;
    // guard: dropped-payloads-read-from-an-untrusted-d1
    if (this.trust.untrusted) return false;
    try {
      this.hot.restore(await this.read(wanted));
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", msg: "d1 read of dropped payloads failed", error: String(err) }));
      return false;
    }
    return this.hot.evicted(ids).length === 0;
  }

  /**
   * Drops least recently used payloads past the budget, but only when D1 holds every payload
   * memory does (its queue idle, nothing failed); else once the queue drains, or, while D1 is
   * untrusted, not until it has been repaired.
   */
  enforce() {
    const max = this.maxBytes();
    if (this.hot.memory().bytes <= max || this.waiting || this.trust.untrusted) return;
    if (this.d1.idle) {
      this.hot.trim(max, this.pins);
      return;
    }
    this.waiting = true;
    void this.d1.drained().then(() => {
      this.waiting = false;
      this.enforce();
    });
  }
}
