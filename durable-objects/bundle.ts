import type { Config } from "../core/config";
import type { CoordinatorResult, ReadOptions, WriteOptions } from "../core/contract";
import { ApiError } from "../core/errors";
import { needsBase, vapiPatchBody } from "../core/merge-patch";
import type { Resource } from "../core/resource";
import { newTiming, type Timing } from "../core/timing";
import { CacheRows } from "../src/db/cache-rows";
import type { ResourceClient } from "../src/vapi/client";
import { createOnce } from "../src/vapi/create-marker";
import { preconditionFailed, writeAnswer, writtenAnswer } from "./answers";
import type { D1Writer } from "./d1-writer";
import { etagOf, ListEtag, matches } from "./etag";
import type { EventLog } from "./event-log";
import { HotLayer } from "./hot-layer";
import type { IdempotencyKeys } from "./idempotency";
import type { KeySessions, Session } from "./key-session";
import type { MemoryBudget } from "./memory-budget";
import type { RateLimiter } from "./rate-limiter";
import { ReadThrough } from "./read-through";
import { Refresher } from "./refresher";
import { type FrameDeps, framed } from "./rpc-frame";
import type { SingleFlight } from "./single-flight";
import type { TeamLink } from "./team-link";
import type { TeamChange } from "./team-wire";
import { Counters } from "./stats";
import type { Upstream } from "./upstream";
import { type Acknowledged, WriteThrough, type WriteQueue } from "./write-through";

/** What every resource's bundle shares: the per-user parts (built in user-parts.ts). */
export interface Shared {
  ctx: DurableObjectState;
  flights: SingleFlight<Timing>;
  keys: KeySessions;
  limiter: RateLimiter<"writes" | "revalidations" | "socket opens">;
  upstream: Upstream;
  d1: D1Writer;
  events: EventLog;
  budget: MemoryBudget;
  /** The user's one write queue: writes stay serialized across resources. */
  queue: WriteQueue;
  idempotency: IdempotencyKeys;
  /** The user's side of their team (team-link.ts): write turns, acknowledged changes out, teammates' in. */
  team: TeamLink;
  // Late-bound: the test hook swaps `config`, `env` and `clientFor` (test-hook.ts); the user is known once ready.
  config: () => Config;
  env: () => Env;
  uid: () => string;
  ready: (userId: string) => Promise<void>;
  clientFor: (resource: Resource, timing: Timing, session?: Session) => Promise<ResourceClient>;
  /** Ids of `resource` deleted or found gone: the D1 statements that stop trusting items naming them (relations.ts). */
  gone: (resource: Resource, ids: string[]) => D1PreparedStatement[];
  /** Queues a batch nobody waits for, behind a durable mark that D1 may be older than memory (d1-trust.ts). */
  behind: (statements: D1PreparedStatement[]) => void;
}

/**
 * Everything the cache keeps per resource, built from its descriptor: the hot layer, its D1 rows,
 * the list's validator, its counters, the refresher (fencing, write counter, list marker), the read
 * and write paths, and its RPC methods. The user's parts (user-parts.ts) hold one per entry of core/resources/.
 */
export class ResourceBundle {
  readonly hot: HotLayer;
  readonly rows: CacheRows;
  readonly counters = new Counters();
  readonly refresher: Refresher;
  private readonly reads: ReadThrough;
  private readonly writes: WriteThrough;
  private readonly frame: FrameDeps;

  /** `warm`: refresh-ahead fills this list when a tab opens on a cold cache (refresh-ahead.ts). */
  constructor(
    readonly resource: Resource,
    private readonly s: Shared,
    readonly warm = false,
  ) {
    const { ctx, upstream, keys, d1, events, budget, flights, limiter, config, env, uid, team } = s;
    const hot = (this.hot = new HotLayer(resource));
    const rows = (this.rows = new CacheRows(resource));
    const refresher = (this.refresher = new Refresher({
      ctx, hot, rows, upstream, keys, d1, budget, config, env, uid, counters: this.counters,
      // What a refresh finds changed in Vapi goes to the user's tabs and to the team.
      events: { publish: (changes) => (events.publish(changes), team.share(changes)) },
      clientFor: (timing, session) => s.clientFor(resource, timing, session),
      gone: (ids) => s.gone(resource, ids),
    }));
    const share = budget.of(this);
    this.reads = new ReadThrough({
      ctx, hot, refresher, flights, keys, budget: share, stats: this.counters, limiter, listTag: new ListEtag(), config,
    });
    this.writes = new WriteThrough({
      queue: s.queue, hot, rows, refresher, d1, events, upstream, env, uid,
      clientFor: (timing) => s.clientFor(resource, timing),
      announce: (change, timing) => team.acknowledged(resource, change, timing),
      gone: (ids) => s.gone(resource, ids),
      behind: s.behind,
    });
    this.frame = { ready: s.ready, limiter, budget: share, stats: this.counters, config };
  }

  /** When the last complete list sync started, or null (refresh-ahead.ts). */
  get listSyncedAt(): number | null {
    return this.hot.listSyncedAt;
  }

  /** Syncs the list through the read path's one list flight (refresh-ahead). */
  sync(): Promise<boolean> {
    return this.reads.syncList(newTiming());
  }

  /** A teammate's change relayed by the team: applied under the same fencing as a refresh (write-through.ts). */
  relayed(c: TeamChange): Promise<unknown> {
    const change: Acknowledged = c.type === "deleted" ? { type: "deleted", id: c.id, origin: c.origin } : { type: c.type, item: c.item, origin: c.origin };
    // guard: a-relayed-change-waits-for-d1
    return this.writes.apply(newTiming(), change, true);
  }

  /** The user's D1 rows for `ids`: payloads the memory budget dropped. */
  read(ids: string[]) {
    return this.rows.load(this.s.env().DB, this.s.uid(), ids);
  }

  /** GET /api/<plural>: the complete list, from memory while the last full sync is fresh. */
  list(userId: string, opts: ReadOptions): Promise<CoordinatorResult> {
    return framed(this.frame, userId, "read", (timing, trace) => this.reads.list(opts, timing, trace));
  }

  /** GET /api/<plural>/:id: one item, from memory while fresh. */
  get(userId: string, id: string, opts: ReadOptions): Promise<CoordinatorResult> {
    return framed(this.frame, userId, "read", (timing, trace) => this.reads.get(id, opts, timing, trace), id);
  }

  // ---- writes (serialized per user; Vapi first, then memory, D1 and tabs: write-through.ts) ----

  /** POST /api/<plural>. Never retried here; a client retries with its Idempotency-Key (idempotency.ts). */
  create(userId: string, body: Record<string, unknown>, opts: WriteOptions): Promise<CoordinatorResult> {
    const lookupBudget = Math.max(this.s.config().retryBudgetMs, this.s.config().vapiTimeoutMs);
    return this.s.idempotency.request(opts.idempotencyKey, ["POST", `/api/${this.resource.plural}`, body], (attempt) =>
      framed(this.frame, userId, "write", (timing) =>
        this.writes.queued(() => this.s.team.write(this.resource.name, undefined, timing, async () => {
          const entry = await this.writes.write(timing, undefined, async (client, timed) => {
            const item = await createOnce(client, body, lookupBudget, timed, attempt).catch((err: unknown) =>
              this.unknownCreate(err, timing),
            );
            return { type: "created", item, origin: "write", clientId: opts.clientId };
          });
          return writtenAnswer(this.resource, 201, entry!, timing);
        })),
      ),
    );
  }

  /** PATCH /api/<plural>/:id with a JSON merge patch (RFC 7386), applied to the latest version. */
  update(userId: string, id: string, patch: Record<string, unknown>, opts: WriteOptions): Promise<CoordinatorResult> {
    const target = `/api/${this.resource.plural}/${id}`;
    return this.s.idempotency.request(opts.idempotencyKey, ["PATCH", target, patch], () => framed(this.frame, userId, "write", (timing) =>
      this.writes.queued(() => this.s.team.write(this.resource.name, id, timing, async (atLeast) => {
        // `atLeast`: the newest version a teammate wrote or saw; an older copy here is read again.
        // guard: patch-if-match-compares-without-fetching
        const base = needsBase(patch) || opts.ifMatch !== undefined ? await this.reads.base(id, timing, atLeast) : this.hot.get(id);
        // Checked here, after every write queued before this one: exactly one of N racing tabs wins.
        if (base && opts.ifMatch !== undefined && !matches(opts.ifMatch, etagOf(base), false)) {
          return preconditionFailed(this.resource, base, timing);
        }
        const body = vapiPatchBody(base?.item, patch);
        const entry = await this.writes.write(timing, id, async (client, timed) => {
          const item = await timed(() => client.update(id, body));
          return { type: "updated", item, origin: "write", clientId: opts.clientId };
        });
        return writtenAnswer(this.resource, 200, entry!, timing);
      })),
      id,
    ));
  }

  /** DELETE /api/<plural>/:id. The tombstone keeps older refreshes from resurrecting it. */
  remove(userId: string, id: string, opts: WriteOptions): Promise<CoordinatorResult> {
    const target = `/api/${this.resource.plural}/${id}`;
    return this.s.idempotency.request(opts.idempotencyKey, ["DELETE", target], () => framed(this.frame, userId, "write", (timing) =>
      this.writes.queued(() => this.s.team.write(this.resource.name, id, timing, async (atLeast) => {
        if (opts.ifMatch !== undefined) {
          const base = await this.reads.base(id, timing, atLeast);
          // guard: delete-if-match-not-compared
          if (!matches(opts.ifMatch, etagOf(base), false)) return preconditionFailed(this.resource, base, timing);
        }
        await this.writes.write(timing, id, async (client, timed) => {
          await timed(() => client.remove(id));
          return { type: "deleted", id, origin: "write", clientId: opts.clientId };
        });
        return writeAnswer(200, `{"success":true}`, timing);
      })),
      id,
    ));
  }

  /** A create Vapi may still apply: the list stops being "complete" (issue 21), then `err` goes on. */
  private async unknownCreate(err: unknown, timing: Timing): Promise<never> {
    // guard: unknown-create-keeps-the-list-complete
    if (err instanceof ApiError && err.code === "vapi_create_unknown") timing.d1 += await this.s.d1.run([this.refresher.forgetList()]);
    throw err;
  }
}
