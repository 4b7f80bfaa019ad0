import type { CacheRows } from "../src/db/cache-rows";
import type { Config } from "../core/config";
import { ApiError } from "../core/errors";
import type { ResourceClient } from "../src/vapi/client";
import type { ListPage } from "../src/vapi/list-answer";
import type { VapiItem } from "../core/resource";
import { newTiming, timed, type Timing } from "../core/timing";
import { keyChanged } from "./answers";
import { externalChanges, snapshot } from "./changes";
import type { D1Writer } from "./d1-writer";
import type { EventLog } from "./event-log";
import { type Entry, type HotLayer, toRow } from "./hot-layer";
import type { KeySessions, Session } from "./key-session";
import type { MemoryBudget } from "./memory-budget";
import type { Counters } from "./stats";
import type { Upstream } from "./upstream";

/**
 * Refresh results are queued on the D1 writer and not awaited before answering (they are not
 * acknowledged writes; see persistRefresh). The bench's `await-refresh-d1` variant flips this.
 */
// guard: await-refresh-d1
const AWAIT_REFRESH_D1 = false;

/** What the coordinator lends its refresher. */
export interface RefresherDeps {
  ctx: DurableObjectState;
  hot: HotLayer;
  rows: CacheRows;
  upstream: Upstream;
  keys: KeySessions;
  d1: D1Writer;
  /** The user's feed (and, through the coordinator, the team): what a refresh found changed. */
  events: Pick<EventLog, "publish">;
  budget: MemoryBudget;
  /** This resource's counters: list refreshes confirmed unchanged. */
  counters: Pick<Counters, "listsUnchanged">;
  // Read on every use: the user is known only once the coordinator is ready, and tests swap config and env.
  config: () => Config;
  env: () => Env;
  uid: () => string;
  clientFor: (timing: Timing, session: Session) => Promise<ResourceClient>;
  /** Items of other resources that name these ids, found gone, stop being trusted; their D1 statements (relations.ts). */
  gone: (ids: string[]) => D1PreparedStatement[];
}

/**
 * The coordinator's reads from Vapi (a complete list, or one id), single-flighted, and the fencing
 * that lets their answers land after writes acknowledged meanwhile: the write counter, where each
 * refresh in flight started, and the tombstones only those refreshes need. See docs/architecture.md.
 */
export class Refresher {
  /** Completion counter: bumped for each write Vapi acknowledges and each deletion a refresh sees. */
  private writeSeq = 0;
  private readonly refreshStarts = new Set<Fence>();
  /** When the list last stopped being vouched for (forgetList); lists begun before then are not applied. */
  private listForgottenAt = 0;
  /** The list-sync marker this object last queued for D1 (0: none it knows of, e.g. after a restart). */
  private markedAt = 0;
  /** The pages of the last list the hot layer was left holding exactly, and its generation then. */
  private lastList: { pages: ListPage[]; generation: number } | undefined;

  constructor(private readonly deps: RefresherDeps) {}

  /** Refreshes started and not yet ended, abandoned ones included (for the test hook). */
  get running(): number {
    return this.refreshStarts.size;
  }

  /** The next write counter value, for a write Vapi just acknowledged. */
  nextWriteSeq(): number {
    return ++this.writeSeq;
  }

  /**
   * Fetches the complete list (every page) and applies it; the caller single-flights it
   * (read-through.ts). A list byte-identical to the last one applied, with nothing changed in the
   * hot layer since, is only confirmed: not parsed, checked or applied again (issue 23).
   */
  list(): Promise<Timing> {
    const { hot, upstream, events } = this.deps;
    return this.refresh(async (client, fence, t) => {
      const last = this.lastList?.generation === hot.generation ? this.lastList : undefined;
      const answer = await upstream.timed(t, () => client.listAll(this.deps.config().listPageSize, last?.pages));
      // guard: list-results-skip-the-generation-check
      this.assertGeneration(fence);
      // A list begun before the one the hot layer holds (an abandoned flight's late answer) is
      // older in every respect: it could drop assistants the newer one added.
      // guard: an-abandoned-list-s-late-answer-applied
      if (hot.listSyncedAt !== null && fence.at < hot.listSyncedAt) return;
      // A list begun before a create's outcome became unknown may have missed it (forgetList).
      if (fence.at <= this.listForgottenAt) return;
      // The same bytes as the list the layer was left holding exactly, and no change since (a
      // write, drop, restore or trim during the flight bumps the generation): applying it again
      // could only move freshness.
      // guard: unchanged-list-skips-the-generation-check
      if (last && answer.unchanged() && hot.generation === last.generation) {
        await timed(t, "apply", () => {
          hot.confirmList(fence.at);
          this.deps.counters.listsUnchanged++;
          return this.persistList(t, fence, { cold: false, upserted: [], dropped: [] });
        });
        return;
      }
      // Only a list that was known before can say what changed; a cold one has no "before".
      const [before, persisted] = timed(t, "apply", () => {
        const items = answer.items();
        const before = hot.listSyncedAt === null ? null : snapshot(hot);
        const { upserted, touched, dropped } = hot.applyList(items, fence.writeSeq, fence.at, ++this.writeSeq);
        // Remembered only when the layer now holds exactly this list (no item or drop was fenced off).
        const exact = upserted.length + touched === items.length && hot.size === items.length;
        this.lastList = exact ? { pages: answer.pages, generation: hot.generation } : undefined;
        return [before, this.persistList(t, fence, { cold: before === null, upserted, dropped })] as const;
      });
      await persisted;
      if (before) timed(t, "apply", () => events.publish(externalChanges(before, hot)));
    });
  }

  /**
   * A list sync's D1 batch: its changed rows, drops and the marker. An unchanged revalidation
   * soon after the last marker writes nothing (issue 23): D1's marker is then up to a tenth of the
   * TTL older than memory's, which after a restart only makes the list look older (one Vapi read
   * sooner), never fresher. Changed rows, drops and a cold list always go with a marker, in one batch.
   */
  private persistList(t: Timing, fence: Fence, { cold, upserted, dropped }: { cold: boolean; upserted: Entry[]; dropped: string[] }) {
    const { hot, rows } = this.deps;
    // guard: quiet-revalidation-d1-batch
    const quiet = !cold && upserted.length === 0 && dropped.length === 0;
    if (quiet && fence.at - this.markedAt < this.deps.config().ttlMs / 10) return undefined;
    this.markedAt = fence.at;
    const [database, uid] = [this.deps.env().DB, this.deps.uid()];
    return this.persistRefresh(t, [
      ...rows.upsertMany(database, uid, upserted.map((e) => toRow(e.item.id, e))),
      // A cold list also clears rows memory never knew of (D1 unreadable when hydrating).
      // guard: cold-list-sync-keeps-rows-memory-never-knew
      ...(dropped.length || cold ? [rows.deleteExcept(database, uid, hot.ids())] : []),
      rows.markListSynced(database, uid, fence.at),
      ...this.deps.gone(dropped),
    ]);
  }

  /** Fetches one item and applies it; a 404 removes it from the cache. */
  one(id: string): Promise<Timing> {
    const { hot, rows, upstream, events, keys } = this.deps;
    return this.refresh(async (client, fence, t) => {
      let fetched: VapiItem;
      try {
        fetched = await upstream.timed(t, () => client.get(id));
      } catch (err) {
        const gone = err instanceof ApiError && err.status === 404;
        // Gone is like a delete: its tombstone keeps an older list in flight from re-adding it.
        // guard: per-id-404-leaves-no-tombstone
        if (gone && keys.isCurrent(fence.session) && hot.applyGone(id, fence.writeSeq, ++this.writeSeq)) {
          await this.persistRefresh(t, [rows.delete(this.deps.env().DB, this.deps.uid(), id), ...this.deps.gone([id])]);
          events.publish([{ type: "deleted", resource: hot.resource.name, id, origin: "vapi" }]);
        }
        throw err;
      }
      // guard: per-id-results-skip-the-generation-check
      this.assertGeneration(fence);
      const before = snapshot(hot, [id]);
      await timed(t, "apply", () => {
        const applied = hot.applyOne(fetched, fence.writeSeq, fence.at);
        return applied?.changed ? this.persistRefresh(t, [rows.upsert(this.deps.env().DB, this.deps.uid(), toRow(id, applied.entry))]) : undefined;
      });
      if (before.size) timed(t, "apply", () => events.publish(externalChanges(before, hot, [id])));
    });
  }

  /** Tombstones are needed only while a refresh that started before them is in flight. */
  pruneTombstones() {
    let oldest = Number.POSITIVE_INFINITY;
    for (const s of this.refreshStarts) oldest = Math.min(oldest, s.writeSeq);
    this.deps.hot.pruneTombstones(oldest);
  }

  /**
   * Runs one upstream read, fenced by what was acknowledged before it started: its answer may
   * only replace entries whose last write was acknowledged by then (see HotLayer).
   */
  private async refresh(work: (client: ResourceClient, fence: Fence, t: Timing) => Promise<void>): Promise<Timing> {
    const fence: Fence = { writeSeq: this.writeSeq, at: Date.now(), session: this.deps.keys.current };
    const t = newTiming();
    this.refreshStarts.add(fence);
    try {
      await work(await this.deps.clientFor(t, fence.session), fence, t);
      return t;
    } finally {
      this.refreshStarts.delete(fence);
      this.pruneTombstones();
      // A refresh with no answer after it (refresh-ahead, stale-while-revalidate) may have brought payloads in.
      this.deps.budget.enforce();
    }
  }

  private assertGeneration(fence: Fence) {
    if (!this.deps.keys.isCurrent(fence.session)) throw keyChanged();
  }

  /**
   * A refresh result's D1 batch: queued in order behind every earlier batch, not awaited. Safe
   * because nothing was acknowledged: if the object is evicted before D1 catches up, rehydration
   * finds an older complete sync or no list marker (and fetches again), never a partial list; a
   * failure goes to D1Trust like any other (marker + alarm repair). waitUntil keeps the object
   * alive until it lands.
   */
  private persistRefresh(timing: Timing, statements: D1PreparedStatement[]): Promise<void> {
    const queued = this.deps.d1.run(statements).then(
      (ms) => {
        // Counted only when awaited: otherwise the answer has left before the batch ran.
        if (AWAIT_REFRESH_D1) timing.d1 += ms;
      },
      // Only recording a D1 failure (D1Trust.failed) can throw here; never let it go unhandled.
      (err: unknown) => console.error(JSON.stringify({ level: "error", msg: "d1 failure not recorded", error: String(err) })),
    );
    this.deps.ctx.waitUntil(queued);
    return AWAIT_REFRESH_D1 ? queued : Promise.resolve();
  }

  /**
   * Stops vouching for the list (memory and D1's marker): a create whose outcome is unknown may
   * land in Vapi at any time, so "complete" is no longer known and the next list read asks Vapi.
   * A list read begun before now may have missed it and is not applied.
   */
  forgetList(): D1PreparedStatement {
    this.deps.hot.listSyncedAt = null;
    this.markedAt = 0;
    this.lastList = undefined;
    this.listForgottenAt = Date.now();
    return this.deps.rows.deleteListSync(this.deps.env().DB, this.deps.uid());
  }
}

/** Where a refresh started: the write counter, the time, and the key session. */
interface Fence {
  writeSeq: number;
  at: number;
  session: Session;
}
