import { CacheRows } from "../src/db/cache-rows";
import { alarmNoLaterThan } from "./alarm";
import type { D1Writer } from "./d1-writer";
import type { HotLayer } from "./hot-layer";

const UNTRUSTED_KEY = "d1-untrusted-since";
const REPAIR_FAILURES_KEY = "d1-repair-failures";
/** Set while batches queued by `behind` are in flight: D1 may be older than memory. */
const BEHIND_KEY = "d1-behind-since";
const REPAIR_DELAY_MS = 5_000;
const REPAIR_MAX_DELAY_MS = 300_000;

/** One resource's part of the user's cache: its hot layer and its D1 rows. */
export interface Cached {
  readonly hot: HotLayer;
  readonly rows: CacheRows;
}

/**
 * Whether D1's rows for the user can be trusted, every resource's at once. The marker lives in the
 * object's storage, so it survives a restart or eviction; the alarm retries the repair.
 */
export class D1Trust {
  /** Batches queued by `behind` in this object's life that have not yet landed or failed. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly ctx: DurableObjectState) {}

  /** A D1 write failed (and no repair has succeeded since). */
  get untrusted(): boolean {
    return this.ctx.storage.kv.get(UNTRUSTED_KEY) !== undefined;
  }

  /**
   * Rewrites the user's D1 rows of every resource from memory, in one batch; only its success makes
   * D1 trusted again. Rows of ids whose payload the memory budget dropped are kept: it drops only
   * payloads D1 already holds, and later changes of such an id bring its payload back into memory first.
   */
  async repair(d1: D1Writer, database: D1Database, userId: string, parts: readonly Cached[]) {
    await d1.run(
      parts.flatMap(({ hot, rows }) => {
        const synced = hot.listSyncedAt;
        return [
          rows.deleteExcept(database, userId, hot.ids()),
          ...rows.upsertMany(database, userId, hot.rows()),
          synced === null ? rows.deleteListSync(database, userId) : rows.markListSynced(database, userId, synced),
        ];
      }),
      () => {
        this.ctx.storage.kv.delete(UNTRUSTED_KEY);
        this.ctx.storage.kv.delete(REPAIR_FAILURES_KEY);
        // A batch queued after this repair still has to land (or fail) before D1 can be trusted again.
        if (this.inFlight.size === 0) this.ctx.storage.kv.delete(BEHIND_KEY);
      },
    );
  }

  /**
   * Fills each hot layer from D1 after a restart or eviction, or, while D1 is untrusted, rewrites D1
   * from memory instead (its rows may be older than what was acknowledged). `also`: another read of
   * the start (the Vapi key's row), sent in the same batch, so a start is one D1 round trip; its
   * result, or undefined when it was not read (untrusted, or D1 failed): its reader then reads it itself.
   */
  async load(
    d1: D1Writer, database: D1Database, userId: string, parts: readonly Cached[], also?: D1PreparedStatement,
  ): Promise<D1Result | undefined> {
    // A D1 write failed before the restart: its rows may be older than what was acknowledged.
    // guard: restart-trusts-a-failed-d1
    const failed = this.untrusted;
    // The object stopped with a relayed change's batch in flight: its rows may be older than memory was.
    // guard: restart-trusts-a-d1-left-behind
    const behind = this.ctx.storage.kv.get(BEHIND_KEY) !== undefined;
    if (failed || behind) {
      await this.repair(d1, database, userId, parts);
      return undefined;
    }
    let results: D1Result<Record<string, unknown>>[];
    try {
      results = await database.batch([...(also ? [also] : []), ...parts.flatMap(({ rows }) => rows.loadStatements(database, userId))]);
    } catch (err) {
      // An empty hot layer is always correct (every read becomes a miss served from Vapi); D1's
      // rows stay valid and the next start reads them again.
      console.error(JSON.stringify({ level: "error", msg: "d1 read failed while hydrating", error: String(err) }));
      return undefined;
    }
    const extra = also ? results.shift() : undefined;
    parts.forEach(({ hot }, i) => {
      const { rows, listSyncedAt } = CacheRows.loaded(results[2 * i], results[2 * i + 1]);
      hot.hydrate(rows, listSyncedAt);
    });
    return extra;
  }

  /**
   * Queues a change whose D1 row nobody waits for (a teammate's, relayed by the team: the writer is
   * answered once this user's memory has it), without awaiting it. A mark in the object's storage,
   * put before the caller answers (the output gate holds the answer until it is stored), says D1
   * may be older than memory until the batch has landed or its failure is recorded (`failed`); a
   * start that finds the mark (the object stopped with the batch in flight) repairs D1 as after a
   * failure, so it never rehydrates a row older than what memory held. See docs/architecture.md, "Teams".
   */
  behind(d1: D1Writer, statements: D1PreparedStatement[]): Promise<void> {
    // guard: a-relayed-batch-left-unmarked
    if (this.inFlight.size === 0) this.ctx.storage.kv.put(BEHIND_KEY, Date.now());
    const settled = () => {
      this.inFlight.delete(queued);
      if (this.inFlight.size === 0) this.ctx.storage.kv.delete(BEHIND_KEY);
    };
    const queued: Promise<void> = d1.run(statements).then(settled, settled);
    this.inFlight.add(queued);
    this.ctx.waitUntil(queued);
    return queued;
  }

  /** Records a failed D1 write and schedules the repair. */
  async failed(err: unknown) {
    console.error(JSON.stringify({ level: "error", msg: "d1 write failed", error: String(err) }));
    // guard: d1-failure-not-recorded
    this.ctx.storage.kv.put(UNTRUSTED_KEY, Date.now());
    // While D1 keeps failing, repairs back off instead of hammering it every few seconds.
    const failures = (this.ctx.storage.kv.get<number>(REPAIR_FAILURES_KEY) ?? 0) + 1;
    this.ctx.storage.kv.put(REPAIR_FAILURES_KEY, failures);
    const delay = Math.min(REPAIR_DELAY_MS * 2 ** (failures - 1), REPAIR_MAX_DELAY_MS);
    // The alarm is shared: an earlier wake-up (refresh-ahead for an open tab) stands, and runs the repair too.
    // guard: d1-repair-pushes-an-earlier-alarm-later
    await alarmNoLaterThan(this.ctx.storage, Date.now() + delay);
  }
}
