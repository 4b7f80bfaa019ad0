import { DurableObject } from "cloudflare:workers";
import * as db from "../src/db/assistants";
import { deleteVapiKey, readVapiKey, saveVapiKey } from "../src/db/settings";
import { readConfig } from "../src/lib/config";
import { ApiError, type ApiFailure } from "../src/lib/errors";
import { needsBase, vapiPatchBody } from "../src/lib/merge-patch";
import type { VapiClient } from "../src/vapi/client";
import { createOnce } from "../src/vapi/create-marker";
import {
  type CacheAnswer,
  type CoordinatorResult,
  failed,
  forwarded,
  keyChanged,
  listAnswer,
  newTiming,
  notFound,
  notInList,
  oneAnswer,
  preconditionFailed,
  type ReadOptions,
  type Timing,
  type Trace,
  type WriteOptions,
  writeAnswer,
} from "./answers";
import { changed } from "./changes";
import { CircuitBreaker } from "./circuit-breaker";
import { D1Trust } from "./d1-repair";
import { D1Writer } from "./d1-writer";
import { etagOf, ListEtag, matches } from "./etag";
import { EventLog } from "./event-log";
import { type Freshness, freshness } from "./freshness";
import { HotLayer, toRow } from "./hot-layer";
import { type Attempt, fingerprint, IdempotencyKeys } from "./idempotency";
import { KeySessions, type Session, SessionChanged } from "./key-session";
import { MemoryBudget } from "./memory-budget";
import { RateLimiter } from "./rate-limiter";
import { Refresher } from "./refresher";
import { SingleFlight } from "./single-flight";
import { acceptTab, USER_HEADER } from "./sockets";
import { CACHE, fwdOf, type Served, servedEarly, servedOnError } from "./stale-policy";
import { CacheStats, type StatsSnapshot } from "./stats";
import { type CoordinatorTestHook, coordinatorTestHook, TEST_HOOK } from "./test-hook";
import { flightDeadlineMs, flightExpired, Upstream } from "./upstream";

export type { CacheAnswer, CoordinatorResult, ReadOptions, Timing, WriteOptions } from "./answers";

const USER_KEY = "user-id";

/**
 * One per user (JWT `sub`): the hot layer, the single-flight table for Vapi reads, the queue that
 * serializes the user's writes, and the ordered queue of D1 changes. See docs/architecture.md.
 */
export class UserCacheCoordinator extends DurableObject<Env> {
  config = readConfig(this.env);
  private userId: string | undefined;
  private readonly hot = new HotLayer();
  private readonly flights = new SingleFlight<Timing>(() => flightDeadlineMs(this.config), (_, ms) => flightExpired(ms));
  private readonly stats = new CacheStats();
  private readonly limiter = new RateLimiter<"writes" | "revalidations" | "socket opens">();
  private readonly circuit = new CircuitBreaker(
    () => this.config.circuitThreshold,
    () => this.config.circuitOpenMs,
  );
  private readonly upstream = new Upstream(() => this.config, this.stats, this.circuit);
  private readonly trust = new D1Trust(this.ctx);
  private readonly d1 = new D1Writer(this.env.DB, (err) => this.trust.failed(err));
  private readonly budget = new MemoryBudget(this.hot, this.d1, this.trust, () => this.config.maxBytes, (ids) =>
    db.loadAssistants(this.env.DB, this.uid, ids),
  );
  private writeTail: Promise<unknown> = Promise.resolve();
  /** The Vapi key and its cache generation: refreshes begun under an older one are discarded. */
  private readonly keys = new KeySessions();
  private started: Promise<void> | undefined;
  private readonly events = new EventLog(this.ctx, () => this.config.eventLogSize);
  private readonly listTag = new ListEtag();
  private readonly idempotency = new IdempotencyKeys(this.ctx, () => ({
    retentionMs: this.config.idempotencyRetentionMs,
    maxKeys: this.config.idempotencyMaxKeys,
  }));
  /** Reads from Vapi and their fencing; the write counter lives there too. */
  private readonly refresher = new Refresher({
    ctx: this.ctx, hot: this.hot, flights: this.flights, upstream: this.upstream, keys: this.keys,
    d1: this.d1, events: this.events, budget: this.budget,
    // Late-bound: the test hook swaps `config`, `env` and `clientFor` (test-hook.ts).
    config: () => this.config, env: () => this.env, uid: () => this.uid,
    clientFor: (timing, session) => this.clientFor(timing, session),
  });

  // ---- reads --------------------------------------------------------------------------

  /** GET /api/assistants: the complete list, from memory while the last full sync is fresh. */
  async list(userId: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return this.answer(userId, "read", async (timing, trace) => {
      if (opts.noCache) this.limiter.admit("revalidations", this.config.revalidationLimit);
      const f = freshness(this.config, "list", this.hot.listSyncedAt);
      // Payloads dropped under the memory budget come back from D1 first; if they cannot, a miss.
      const servable = !servedEarly(f, !!opts.noCache) || (await this.budget.restore(timing));
      const early = servable && this.servedFromCache(f, opts, () => this.refresher.list(newTiming()));
      if (early) return listAnswer(this.hot, this.listTag, early, timing, opts);
      trace.fwd = fwdOf(!!opts.noCache, f);
      const joined = this.countMiss(this.flights.has(this.refresher.flightKey("list")));
      try {
        await this.refresher.list(timing);
      } catch (err) {
        const stale = this.staleOnError(err, f, opts);
        if (stale && this.hot.listSyncedAt !== null && (await this.budget.restore(timing))) {
          return listAnswer(this.hot, this.listTag, stale, timing, opts);
        }
        throw err;
      }
      // The refresh brought every listed payload in, but the budget may have dropped some since.
      if (!(await this.budget.restore(timing))) await this.refresher.list(timing);
      return listAnswer(this.hot, this.listTag, forwarded(trace, joined), timing, opts);
    });
  }

  /** GET /api/assistants/:id: one assistant, from memory while fresh. */
  async get(userId: string, id: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return this.answer(userId, "read", async (timing, trace) => {
      if (opts.noCache) this.limiter.admit("revalidations", this.config.revalidationLimit);
      const cached = this.hot.get(id);
      const f = freshness(this.config, id, cached ? cached.cachedAt : null);
      const early = cached && this.servedFromCache(f, opts, () => this.refresher.one(id, newTiming()));
      if (cached && early) return oneAnswer(cached, early, timing, opts);
      trace.fwd = fwdOf(!!opts.noCache, f);
      const listKey = this.refresher.flightKey("list");
      // A miss (no-cache too) while the whole list is being fetched waits for that list.
      const listFlight = this.flights.current(listKey);
      const unknown = !this.hot.has(id);
      // Else only a *fresh* complete list vouches for every id the user has (own writes since are in it).
      if (!opts.noCache && unknown && !listFlight && this.listFresh()) {
        this.stats.hits++;
        throw notFound({ "Cache-Status": `${CACHE}; hit; detail=not-in-list` });
      }
      // An id the hot layer does not know, while the list is not fresh, joins or starts the one list
      // sync instead of a per-id read: however many ids a client makes up, Vapi sees one read per
      // TTL (issue 18). no-cache still reads the id itself (and is rate limited).
      const viaList = listFlight !== undefined || (unknown && !opts.noCache);
      const joined = this.countMiss(this.flights.has(viaList ? listKey : this.refresher.flightKey(`get:${id}`)));
      try {
        if (listFlight) Object.assign(timing, await listFlight);
        else if (viaList) await this.refresher.list(timing);
        else await this.refresher.one(id, timing);
      } catch (err) {
        // The entry as it is now: a delete acknowledged meanwhile is not undone by serving stale.
        const now = this.hot.get(id);
        const stale = this.staleOnError(err, f, opts);
        if (stale && now) return oneAnswer(now, stale, timing, opts);
        throw err;
      }
      const entry = this.hot.get(id);
      // The complete list just read (plus writes acknowledged since) is the user's whole set.
      if (!entry) throw notFound(viaList ? { "Cache-Status": notInList(trace, joined) } : {});
      return oneAnswer(entry, forwarded(trace, joined), timing, opts);
    }, id);
  }

  // ---- writes (serialized per user; Vapi first, then memory and D1) -----------------------

  /** POST /api/assistants. Never retried here; a client retries with its Idempotency-Key (idempotency.ts). */
  async create(userId: string, body: Record<string, unknown>, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.idempotent(opts, ["POST", "/api/assistants", body], (attempt) => this.answer(userId, "write", (timing) =>
      this.serialized(async () => {
        const client = await this.clientFor(timing);
        const lookupBudget = Math.max(this.config.retryBudgetMs, this.config.vapiTimeoutMs);
        const created = await createOnce(client, body, lookupBudget, (work) => this.upstream.timed(timing, work), attempt).catch(
          (err: unknown) => this.unknownCreate(err, timing),
        );
        const entry = this.hot.write(created, this.refresher.ack(), Date.now());
        await this.persist(timing, [db.upsertAssistant(this.env.DB, this.uid, toRow(created.id, entry))]);
        this.events.publish([changed("created", entry, "write", opts.clientId)]);
        return writeAnswer(201, `{"assistant":${entry.json}}`, timing, etagOf(entry));
      }),
    ));
  }

  /** PATCH /api/assistants/:id with a JSON merge patch (RFC 7386), applied to the latest version. */
  async update(userId: string, id: string, patch: Record<string, unknown>, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.idempotent(opts, ["PATCH", `/api/assistants/${id}`, patch], () => this.answer(userId, "write", (timing) =>
      this.serialized(async () => {
        let base = this.hot.get(id);
        if ((needsBase(patch) || opts.ifMatch !== undefined) && (!base || Date.now() - base.cachedAt >= this.config.ttlMs)) {
          await this.refresher.one(id, timing);
          base = this.hot.get(id);
          if (!base) throw notFound();
        }
        // Checked here, after every write queued before this one: exactly one of N racing tabs wins.
        if (base && opts.ifMatch !== undefined && !matches(opts.ifMatch, etagOf(base), false)) {
          return preconditionFailed(base, timing);
        }
        const body = vapiPatchBody(base?.assistant, patch);
        const updated = await this.upstreamWrite(id, timing, (c) => c.update(id, body));
        const entry = this.hot.write(updated, this.refresher.ack(), Date.now());
        await this.persist(timing, [db.upsertAssistant(this.env.DB, this.uid, toRow(id, entry))]);
        this.events.publish([changed("updated", entry, "write", opts.clientId)]);
        return writeAnswer(200, `{"assistant":${entry.json}}`, timing, etagOf(entry));
      }),
      id,
    ));
  }

  /** DELETE /api/assistants/:id. The tombstone keeps older refreshes from resurrecting it. */
  async remove(userId: string, id: string, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.idempotent(opts, ["DELETE", `/api/assistants/${id}`], () => this.answer(userId, "write", (timing) =>
      this.serialized(async () => {
        if (opts.ifMatch !== undefined) {
          let base = this.hot.get(id);
          if (!base || Date.now() - base.cachedAt >= this.config.ttlMs) await this.refresher.one(id, timing);
          base = this.hot.get(id);
          if (!base) throw notFound();
          if (!matches(opts.ifMatch, etagOf(base), false)) return preconditionFailed(base, timing);
        }
        await this.upstreamWrite(id, timing, (c) => c.remove(id));
        this.hot.delete(id, this.refresher.ack());
        this.refresher.pruneTombstones();
        await this.persist(timing, [db.deleteAssistant(this.env.DB, this.uid, id)]);
        this.events.publish([{ type: "deleted", id, origin: "write", clientId: opts.clientId }]);
        return writeAnswer(200, `{"success":true}`, timing);
      }),
      id,
    ));
  }

  // ---- settings ----------------------------------------------------------------------

  /** Stores a (verified) Vapi key; a different key means a different org: the cache is dropped. */
  async setKey(userId: string, privateKey: string): Promise<void> {
    await this.ready(userId);
    await this.serialized(async () => {
      const previous = await this.loadKey(this.keys.current);
      await saveVapiKey(this.env, this.uid, privateKey);
      if (previous !== privateKey) await this.switchKey(privateKey);
    });
  }

  /** Forgets the user's Vapi key and everything cached with it. */
  async removeKey(userId: string): Promise<void> {
    await this.ready(userId);
    await this.serialized(async () => {
      await deleteVapiKey(this.env.DB, this.uid);
      await this.switchKey(null);
    });
  }

  /** For Worker-side work that costs a Vapi call (verifying a key): the user's write limit. */
  async admitWrite(userId: string): Promise<ApiFailure | null> {
    await this.ready(userId);
    return this.limiter.refusal("writes", this.config.writeLimit);
  }

  /** Before an events socket opens (each open may replay the whole log): the user's socket-open budget. */
  async admitSocket(): Promise<ApiFailure | null> {
    return this.limiter.refusal("socket opens", this.config.socketOpenLimit);
  }

  /** GET /api/cache/stats. */
  async getStats(userId: string): Promise<StatsSnapshot> {
    await this.ready(userId);
    return this.stats.snapshot({ ...this.hot.memory(), budgetBytes: this.config.maxBytes }, this.circuit.snapshot());
  }

  /**
   * The one alarm (see alarm.ts): repairs D1 after a failed write, and refreshes ahead for open
   * tabs. Whatever woke it, both run when they have work, and each asks again for its next time.
   */
  override async alarm(): Promise<void> {
    const userId = this.ctx.storage.kv.get<string>(USER_KEY);
    if (!userId) return;
    if (this.trust.untrusted) {
      await this.ready(userId);
      await this.trust.repair(this.d1, this.env.DB, this.uid, this.hot);
    }
    await this.refresher.ahead(() => this.ready(userId));
  }

  // ---- live updates (GET /api/assistants/events, forwarded by the Worker after auth) -------

  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get(USER_HEADER);
    if (!userId) return new Response(null, { status: 400 });
    // One object, one user, for its whole life (the id is kept in storage): a socket announced
    // for anyone else means the Worker forwarded an identity it did not verify.
    const bound = this.ctx.storage.kv.get<string>(USER_KEY);
    if (bound !== undefined && bound !== userId) throw new Error("a coordinator serves exactly one user");
    const res = acceptTab(this.ctx, this.events, request, this.config.maxSockets);
    // A login (the first tab) warms a cold cache; every tab keeps refresh-ahead scheduled.
    this.ctx.waitUntil(this.refresher.ahead(() => this.ready(userId)));
    return res;
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string) {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed by the runtime's automatic reply.
    }
  }

  /**
   * The one seam for tests (test-hook.ts; docs/architecture.md "Testing"): configuration, the D1
   * writer, clocks. Symbol-keyed, so not callable over RPC; production code never calls it.
   */
  [TEST_HOOK](): CoordinatorTestHook {
    return coordinatorTestHook({
      env: { get: () => this.env, set: (env) => (this.env = env) },
      config: { get: () => this.config, set: (config) => (this.config = config) },
      clientFor: { get: () => this.clientFor.bind(this), set: (f) => (this.clientFor = f) },
      hot: this.hot, d1: this.d1, trust: this.trust, refresher: this.refresher,
    });
  }

  // ---- plumbing ----------------------------------------------------------------------

  private get uid(): string {
    if (!this.userId) throw new Error("coordinator used before ready()");
    return this.userId;
  }

  /** Loads what D1 holds for the user once per object lifetime (after a restart or eviction). */
  private ready(userId: string): Promise<void> {
    if (this.userId !== undefined && this.userId !== userId) {
      throw new Error("a coordinator serves exactly one user");
    }
    this.started ??= this.hydrate(userId).catch((err: unknown) => {
      this.started = undefined; // let the next request try again
      throw err;
    });
    return this.started;
  }

  private async hydrate(userId: string) {
    this.userId = userId;
    if (this.ctx.storage.kv.get(USER_KEY) !== userId) this.ctx.storage.kv.put(USER_KEY, userId);
    if (this.trust.untrusted) {
      // A D1 write failed before the restart: its rows may be older than what was acknowledged.
      await this.trust.repair(this.d1, this.env.DB, this.uid, this.hot);
      return;
    }
    let loaded: Awaited<ReturnType<typeof db.loadUserCache>>;
    try {
      loaded = await db.loadUserCache(this.env.DB, userId);
    } catch (err) {
      // An empty hot layer is always correct (every read becomes a miss served from Vapi); D1's
      // rows stay valid and the next start reads them again.
      console.error(JSON.stringify({ level: "error", msg: "d1 read failed while hydrating", error: String(err) }));
      return;
    }
    this.hot.hydrate(loaded.rows, loaded.listSyncedAt);
  }

  /**
   * A different key is a different org. The new session and the empty hot layer take effect
   * before any `await`, so a refresh starting meanwhile uses the new key or none.
   */
  private async switchKey(key: string | null) {
    // Nothing of the old org is replayed to a tab, and the open ones reload.
    this.events.forget();
    // Stored answers hold the old org's assistants: they go with it.
    this.idempotency.forget();
    this.keys.switchTo(key);
    this.hot.clear();
    await this.d1.run(db.deleteAllAssistants(this.env.DB, this.uid));
  }

  private async loadKey(session: Session): Promise<string | null> {
    try {
      return await this.keys.keyOf(session, () => readVapiKey(this.env, this.uid));
    } catch (err) {
      throw err instanceof SessionChanged ? keyChanged() : err;
    }
  }

  /** A client for `session`'s key (writes run between key changes, so theirs is the current one). */
  private async clientFor(timing: Timing, session = this.keys.current): Promise<VapiClient> {
    const started = Date.now();
    const key = await this.loadKey(session);
    timing.d1 += Date.now() - started;
    return this.upstream.client(key);
  }

  /** A Vapi write for an existing id; a 404 means it is gone, so it leaves the cache too. */
  private async upstreamWrite<T>(id: string, timing: Timing, call: (c: VapiClient) => Promise<T>) {
    const client = await this.clientFor(timing);
    try {
      return await this.upstream.timed(timing, () => call(client));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        const held = this.hot.has(id);
        this.hot.delete(id, this.refresher.ack());
        this.refresher.pruneTombstones();
        await this.persist(timing, [db.deleteAssistant(this.env.DB, this.uid, id)]);
        if (held) this.events.publish([{ type: "deleted", id, origin: "vapi" }]);
      }
      throw err;
    }
  }

  /** Runs a write once per Idempotency-Key and request (`method`, target, body); see idempotency.ts. */
  private async idempotent(
    opts: WriteOptions,
    [method, target, body]: [string, string, unknown?],
    work: (attempt: Attempt) => Promise<CoordinatorResult>,
  ): Promise<CoordinatorResult> {
    const key = opts.idempotencyKey;
    return this.idempotency.run(key, key === undefined ? "" : await fingerprint(method, target, body), work);
  }

  /** A create Vapi may still apply: the list stops being "complete" (issue 21), then `err` goes on. */
  private async unknownCreate(err: unknown, timing: Timing): Promise<never> {
    if (err instanceof ApiError && err.code === "vapi_create_unknown") await this.persist(timing, [this.refresher.forgetList()]);
    throw err;
  }

  private listFresh(): boolean {
    return freshness(this.config, "list", this.hot.listSyncedAt).state === "fresh";
  }

  /** Chains `work` after every write accepted before it: one Vapi write at a time, in order. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeTail.then(work, work);
    this.writeTail = run.catch(() => undefined);
    return run;
  }

  /** An acknowledged write's D1 batch: awaited before answering (invariant 6). */
  private async persist(timing: Timing, statements: D1PreparedStatement[]) {
    timing.d1 += await this.d1.run(statements);
  }

  /**
   * Runs one RPC: readiness, timing, the memory budget (with the payload of `id`, if given, in
   * memory while it runs), and expected failures returned as values (not thrown).
   */
  private async answer(
    userId: string,
    kind: "read" | "write",
    work: (timing: Timing, trace: Trace) => Promise<CacheAnswer>,
    id?: string,
  ): Promise<CoordinatorResult> {
    const timing = newTiming();
    const trace: Trace = { fwd: kind === "write" ? "method" : "miss" };
    const started = Date.now();
    const settle = () => (timing.cache = Math.max(0, Date.now() - started - timing.vapi - timing.d1));
    try {
      await this.ready(userId);
      if (kind === "write") this.limiter.admit("writes", this.config.writeLimit);
      const answer = await this.budget.using(id, timing, () => work(timing, trace));
      if (kind === "write" && answer.status < 300) this.stats.writes++;
      settle();
      return { ok: true, answer };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.stats.errors++;
      settle();
      return failed(err, trace, timing);
    }
  }

  /** A hit, or stale data inside the stale-while-revalidate window while `refresh` runs in the background. */
  private servedFromCache(f: Freshness, opts: ReadOptions, refresh: () => Promise<void>): Served | undefined {
    const served = servedEarly(f, !!opts.noCache);
    if (served?.stale) {
      this.stats.staleServed++;
      // Single-flight: joins a refresh already under way. Its failure is counted in the stats and
      // the next read past the window tries again, so there is nothing to do with it here.
      this.ctx.waitUntil(refresh().catch(() => undefined));
    } else if (served) this.stats.hits++;
    return served;
  }

  private staleOnError(err: unknown, f: Freshness, opts: ReadOptions): Served | undefined {
    const served = servedOnError(err, f, !!opts.noCache);
    if (served) this.stats.staleServed++;
    return served;
  }

  private countMiss(joined: boolean): boolean {
    if (joined) this.stats.coalesced++;
    else this.stats.misses++;
    return joined;
  }
}
