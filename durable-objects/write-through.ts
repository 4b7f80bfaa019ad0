import type { CacheRows } from "../src/db/cache-rows";
import { ApiError } from "../core/errors";
import type { Timing } from "../core/timing";
import type { ResourceClient } from "../src/vapi/client";
import type { VapiItem } from "../core/resource";
import { changed } from "./changes";
import type { D1Writer } from "./d1-writer";
import type { EventLog, Origin } from "./event-log";
import { type Entry, type HotLayer, toRow } from "./hot-layer";
import type { Refresher } from "./refresher";
import type { Upstream } from "./upstream";

/**
 * A change Vapi acknowledged: made by this service (`origin: "write"`), or learnt of otherwise
 * (`"vapi"`: a write's 404 found it gone, or a teammate's refresh found it in Vapi; `"team"`: a
 * teammate's write, relayed by the team: team-link.ts).
 */
export type Acknowledged =
  | { type: "created" | "updated"; item: VapiItem; origin: Origin; clientId?: string }
  | { type: "deleted"; id: string; origin: Origin; clientId?: string };

/** The user's one write queue, shared by every resource's write path and by key changes. */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Chains `work` after every write accepted before it: one Vapi write at a time, in order. */
  queued<T>(work: () => Promise<T>): Promise<T> {
    // guard: writes-not-serialized
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** What the coordinator lends a resource's write path. */
export interface WriteDeps {
  /** One per user, so a user's writes stay serialized across resources. */
  queue: WriteQueue;
  hot: HotLayer;
  rows: CacheRows;
  refresher: Pick<Refresher, "nextWriteSeq" | "pruneTombstones">;
  d1: D1Writer;
  events: EventLog;
  upstream: Upstream;
  // Late-bound: the user is known once the coordinator is ready; the test hook swaps env and clientFor (test-hook.ts).
  env: () => Env;
  uid: () => string;
  clientFor: (timing: Timing) => Promise<ResourceClient>;
  /** Tells the user's team (team-link.ts) of a change Vapi acknowledged, once it is applied here. */
  announce: (change: Acknowledged, timing: Timing) => Promise<void>;
  /** Items of other resources that name these deleted ids stop being trusted; their D1 statements (relations.ts). */
  gone: (ids: string[]) => D1PreparedStatement[];
  /** Queues a batch nobody waits for, behind a durable mark that D1 may be older than memory (d1-trust.ts). */
  behind: (statements: D1PreparedStatement[]) => void;
}

/**
 * The write path: one Vapi write at a time, in acceptance order; then the one step every
 * acknowledged change takes: the write counter, the hot layer, the D1 batch (awaited:
 * invariant 6), the event to every tab; then the answer. See docs/architecture.md, "The write path".
 */
export class WriteThrough {
  constructor(private readonly d: WriteDeps) {}

  /** Chains `work` after every write of the user accepted before it (any resource's): one Vapi write at a time, in order. */
  queued<T>(work: () => Promise<T>): Promise<T> {
    return this.d.queue.queued(work);
  }

  /**
   * One Vapi write (`id`: the item it changes, if it exists already) and its change through the
   * cache. A 404 from Vapi means the item is gone: that goes through the cache too, then the 404.
   */
  async write(timing: Timing, id: string | undefined, call: (client: ResourceClient, timed: Timed) => Promise<Acknowledged>) {
    const client = await this.d.clientFor(timing);
    let change: Acknowledged;
    try {
      change = await call(client, (work) => this.d.upstream.timed(timing, work));
    } catch (err) {
      // guard: a-write-s-404-leaves-the-cache-as-it-was
      if (id !== undefined && err instanceof ApiError && err.status === 404) {
        const gone: Acknowledged = { type: "deleted", id, origin: "vapi" };
        await this.apply(timing, gone);
        await this.d.announce(gone, timing);
      }
      throw err;
    }
    const entry = await this.apply(timing, change);
    // Before the answer: once the writer is told, every teammate's copy reflects it (or the team is flagged unavailable).
    // guard: a-write-not-announced-to-the-team
    await this.d.announce(change, timing);
    return entry;
  }

  /**
   * Applies an acknowledged change: the hot layer keeps the newer version if it already holds one,
   * a delete leaves a tombstone for the refreshes in flight; D1 follows before this resolves (or,
   * `relayed`: a teammate's change, whose writer waits for this user's memory, not its D1 row,
   * behind a durable mark: d1-trust.ts `behind`); tabs hear of it (a delete of an id never held is
   * news only to the writer's own tabs).
   */
  async apply(timing: Timing, change: Acknowledged, relayed = false): Promise<Entry | undefined> {
    const persist = (statements: D1PreparedStatement[]) => (relayed ? this.d.behind(statements) : this.persist(timing, statements));
    const { hot, refresher, events } = this.d;
    const [database, uid] = [this.d.env().DB, this.d.uid()];
    if (change.type === "deleted") {
      const held = hot.has(change.id);
      hot.delete(change.id, refresher.nextWriteSeq());
      // guard: no-pruning-after-a-delete
      refresher.pruneTombstones();
      await persist([this.d.rows.delete(database, uid, change.id), ...this.d.gone([change.id])]);
      if (held || change.origin === "write") {
        events.publish([{ type: "deleted", resource: hot.resource.name, id: change.id, origin: change.origin, clientId: change.clientId }]);
      }
      return undefined;
    }
    // A change from elsewhere (a teammate's, relayed) that this copy already has, or has newer, is no news.
    const held = hot.version(change.item.id);
    // guard: a-relayed-change-lowers-a-version
    if (change.origin !== "write" && held !== undefined && held >= hot.resource.version(change.item)) return undefined;
    const entry = hot.write(change.item, refresher.nextWriteSeq(), Date.now());
    await persist([this.d.rows.upsert(database, uid, toRow(change.item.id, entry))]);
    events.publish([changed(hot.resource.name, change.type, entry, change.origin, change.clientId)]);
    return entry;
  }

  /** An acknowledged change's D1 batch: awaited before answering (invariant 6). */
  private async persist(timing: Timing, statements: D1PreparedStatement[]) {
    timing.d1 += await this.d.d1.run(statements);
  }
}

/** Wraps one upstream call: its time in Server-Timing, its outcome for the circuit. */
export type Timed = <T>(work: () => Promise<T>) => Promise<T>;
