import { DurableObject } from "cloudflare:workers";
import * as db from "../src/db/assistants";
import { deleteVapiKey, readVapiKey, saveVapiKey } from "../src/db/settings";
import { readConfig } from "../src/lib/config";
import { serverTiming } from "../src/lib/coordinator";
import { ApiError, type ApiFailure, toFailure } from "../src/lib/errors";
import { needsBase, vapiPatchBody } from "../src/lib/merge-patch";
import { VapiClient } from "../src/vapi/client";
import type { Assistant } from "../src/vapi/types";
import { createOnce } from "../src/vapi/create-marker";
import { isTransient, UpstreamError } from "../src/vapi/upstream-error";
import { CircuitBreaker } from "./circuit-breaker";
import { D1Writer } from "./d1-writer";
import { type Freshness, freshness } from "./freshness";
import { type Entry, HotLayer, toRow } from "./hot-layer";
import { KeySessions, type Session, SessionChanged } from "./key-session";
import { SingleFlight } from "./single-flight";
import { CACHE, circuitOpen, failureStatus, type Fwd, fwdOf, type Served, servedEarly, servedOnError } from "./stale-policy";
import { CacheStats, type StatsSnapshot } from "./stats";

/** Durations of one answer, in ms, for Server-Timing. */
export interface Timing {
  cache: number;
  d1: number;
  vapi: number;
}

/** A successful answer: the JSON body is serialized here, once, so the Worker only forwards it. */
export interface CacheAnswer {
  status: 200 | 201;
  body: string;
  cacheStatus: string;
  timing: Timing;
}

/** How a read went forward to Vapi (RFC 9211 `fwd`), for the Cache-Status of a failure too. */
interface Trace {
  fwd: Fwd;
}

export type CoordinatorResult = { ok: true; answer: CacheAnswer } | { ok: false; error: ApiFailure };

export interface ReadOptions {
  /** The client sent `Cache-Control: no-cache`: revalidate with Vapi (still single-flight). */
  noCache?: boolean;
}

const UNTRUSTED_KEY = "d1-untrusted-since";
const USER_KEY = "user-id";
const REPAIR_FAILURES_KEY = "d1-repair-failures";
const REPAIR_DELAY_MS = 5_000;
const REPAIR_MAX_DELAY_MS = 300_000;

/**
 * One per user (JWT `sub`): the hot layer, the single-flight table for Vapi reads, the queue that
 * serializes the user's writes, and the ordered queue of D1 changes. See docs/architecture.md.
 */
export class UserCacheCoordinator extends DurableObject<Env> {
  config = readConfig(this.env);
  private userId: string | undefined;
  private readonly hot = new HotLayer();
  private readonly flights = new SingleFlight<Timing>();
  private readonly stats = new CacheStats();
  private readonly circuit = new CircuitBreaker(
    () => this.config.circuitThreshold,
    () => this.config.circuitOpenMs,
  );
  private readonly d1 = new D1Writer(this.env.DB, (err) => this.d1Failed(err));
  private writeTail: Promise<unknown> = Promise.resolve();
  /** Completion counter: bumped for each write Vapi acknowledges and each deletion a refresh sees. */
  private acked = 0;
  /** The Vapi key and its cache generation: refreshes begun under an older one are discarded. */
  private readonly keys = new KeySessions();
  private readonly refreshStarts = new Set<Fence>();
  private started: Promise<void> | undefined;

  // ---- reads --------------------------------------------------------------------------

  /** GET /api/assistants: the complete list, from memory while the last full sync is fresh. */
  async list(userId: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return this.answer(userId, "read", async (timing, trace) => {
      const f = freshness(this.config, "list", this.hot.listSyncedAt);
      const early = this.servedFromCache(f, opts, () => this.refreshList(newTiming()));
      if (early) return this.listAnswer(early, timing);
      trace.fwd = fwdOf(!!opts.noCache, f);
      const joined = this.countMiss(this.flights.has(this.flightKey("list")));
      try {
        await this.refreshList(timing);
      } catch (err) {
        const stale = this.staleOnError(err, f, opts);
        if (stale && this.hot.listSyncedAt !== null) return this.listAnswer(stale, timing);
        throw err;
      }
      return this.listAnswer(this.forwarded(trace, joined), timing);
    });
  }

  /** GET /api/assistants/:id: one assistant, from memory while fresh. */
  async get(userId: string, id: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return this.answer(userId, "read", async (timing, trace) => {
      const cached = this.hot.get(id);
      const f = freshness(this.config, id, cached ? cached.cachedAt : null);
      const early = cached && this.servedFromCache(f, opts, () => this.refreshOne(id, newTiming()));
      if (cached && early) return this.oneAnswer(cached, early, timing);
      trace.fwd = fwdOf(!!opts.noCache, f);
      // A miss (no-cache too) while the whole list is being fetched waits for that list.
      const listFlight = this.flights.current(this.flightKey("list"));
      const joined = this.countMiss(listFlight !== undefined || this.flights.has(this.flightKey(`get:${id}`)));
      try {
        if (listFlight) Object.assign(timing, await listFlight);
        else await this.refreshOne(id, timing);
      } catch (err) {
        // The entry as it is now: a delete acknowledged meanwhile is not undone by serving stale.
        const now = this.hot.get(id);
        const stale = this.staleOnError(err, f, opts);
        if (stale && now) return this.oneAnswer(now, stale, timing);
        throw err;
      }
      const entry = this.hot.get(id);
      if (!entry) throw notFound();
      return this.oneAnswer(entry, this.forwarded(trace, joined), timing);
    });
  }

  // ---- writes (serialized per user; Vapi first, then memory and D1) -----------------------

  /** POST /api/assistants. Never retried: a blind retry could create a duplicate assistant. */
  async create(userId: string, body: Record<string, unknown>): Promise<CoordinatorResult> {
    return this.answer(userId, "write", (timing) =>
      this.serialized(async () => {
        const client = await this.clientFor(timing);
        const lookupBudget = Math.max(this.config.retryBudgetMs, this.config.vapiTimeoutMs);
        const created = await createOnce(client, body, lookupBudget, (work) => this.timed(timing, work));
        const entry = this.hot.write(created, ++this.acked, Date.now());
        await this.persist(timing, [db.upsertAssistant(this.env.DB, this.uid, toRow(created.id, entry))]);
        return this.writeAnswer(201, `{"assistant":${entry.json}}`, timing);
      }),
    );
  }

  /** PATCH /api/assistants/:id with a JSON merge patch (RFC 7386), applied to the latest version. */
  async update(userId: string, id: string, patch: Record<string, unknown>): Promise<CoordinatorResult> {
    return this.answer(userId, "write", (timing) =>
      this.serialized(async () => {
        let base = this.hot.get(id);
        if (needsBase(patch) && (!base || Date.now() - base.cachedAt >= this.config.ttlMs)) {
          await this.refreshOne(id, timing);
          base = this.hot.get(id);
          if (!base) throw notFound();
        }
        const body = vapiPatchBody(base?.assistant, patch);
        const updated = await this.upstreamWrite(id, timing, (c) => c.update(id, body));
        const entry = this.hot.write(updated, ++this.acked, Date.now());
        await this.persist(timing, [db.upsertAssistant(this.env.DB, this.uid, toRow(id, entry))]);
        return this.writeAnswer(200, `{"assistant":${entry.json}}`, timing);
      }),
    );
  }

  /** DELETE /api/assistants/:id. The tombstone keeps older refreshes from resurrecting it. */
  async remove(userId: string, id: string): Promise<CoordinatorResult> {
    return this.answer(userId, "write", (timing) =>
      this.serialized(async () => {
        await this.upstreamWrite(id, timing, (c) => c.remove(id));
        this.hot.delete(id, ++this.acked);
        this.pruneTombstones();
        await this.persist(timing, [db.deleteAssistant(this.env.DB, this.uid, id)]);
        return this.writeAnswer(200, `{"success":true}`, timing);
      }),
    );
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

  /** GET /api/cache/stats. */
  async getStats(userId: string): Promise<StatsSnapshot> {
    await this.ready(userId);
    return this.stats.snapshot({ entries: this.hot.size, bytes: this.hot.jsonBytes }, this.circuit.snapshot());
  }

  /** Repairs D1 after a failed write: rewrites the user's rows from memory. */
  override async alarm(): Promise<void> {
    const userId = this.ctx.storage.kv.get<string>(USER_KEY);
    if (!userId || this.ctx.storage.kv.get(UNTRUSTED_KEY) === undefined) return;
    await this.ready(userId);
    await this.repairD1();
  }

  // ---- refreshes ---------------------------------------------------------------------

  private async refreshList(timing: Timing) {
    const flight = await this.flights.run(this.flightKey("list"), () =>
      this.refresh(async (client, fence, t) => {
        const items = await this.timed(t, () => client.listAll(this.config.listPageSize));
        this.assertGeneration(fence);
        const { upserted, dropped } = this.hot.applyList(items, fence.ack, fence.at, ++this.acked);
        await this.persist(t, [
          ...upserted.map((e) => db.upsertAssistant(this.env.DB, this.uid, toRow(e.assistant.id, e))),
          ...(dropped.length ? [db.deleteAssistantsExcept(this.env.DB, this.uid, this.hot.ids())] : []),
          db.markListSynced(this.env.DB, this.uid, fence.at),
        ]);
      }),
    );
    Object.assign(timing, flight.value);
  }

  private async refreshOne(id: string, timing: Timing) {
    const flight = await this.flights.run(this.flightKey(`get:${id}`), () =>
      this.refresh(async (client, fence, t) => {
        let fetched: Assistant;
        try {
          fetched = await this.timed(t, () => client.get(id));
        } catch (err) {
          const gone = err instanceof ApiError && err.status === 404;
          // Gone is like a delete: its tombstone keeps an older list in flight from re-adding it.
          if (gone && this.keys.isCurrent(fence.session) && this.hot.applyGone(id, fence.ack, ++this.acked)) {
            await this.persist(t, [db.deleteAssistant(this.env.DB, this.uid, id)]);
          }
          throw err;
        }
        this.assertGeneration(fence);
        const entry = this.hot.applyOne(fetched, fence.ack, fence.at);
        if (entry) await this.persist(t, [db.upsertAssistant(this.env.DB, this.uid, toRow(id, entry))]);
      }),
    );
    Object.assign(timing, flight.value);
  }

  /**
   * Runs one upstream read, fenced by what was acknowledged before it started: its answer may
   * only replace entries whose last write was acknowledged by then (see HotLayer).
   */
  private async refresh(work: (client: VapiClient, fence: Fence, t: Timing) => Promise<void>): Promise<Timing> {
    const fence: Fence = { ack: this.acked, at: Date.now(), session: this.keys.current };
    const t: Timing = { cache: 0, d1: 0, vapi: 0 };
    this.refreshStarts.add(fence);
    try {
      await work(await this.clientFor(t, fence.session), fence, t);
      return t;
    } finally {
      this.refreshStarts.delete(fence);
      this.pruneTombstones();
    }
  }

  /** Single-flight keys carry the key's generation: a read under an older key is never joined. */
  private flightKey(key: string) {
    return `${this.keys.current.generation}:${key}`;
  }

  /** Tombstones are needed only while a refresh that started before them is in flight. */
  private pruneTombstones() {
    let oldest = Number.POSITIVE_INFINITY;
    for (const s of this.refreshStarts) oldest = Math.min(oldest, s.ack);
    this.hot.pruneTombstones(oldest);
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
    if (this.ctx.storage.kv.get(UNTRUSTED_KEY) !== undefined) {
      // A D1 write failed before the restart: its rows may be older than what was acknowledged.
      await this.repairD1();
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

  /** Rewrites the user's D1 rows from memory; only its success makes D1 trusted again. */
  private async repairD1() {
    const synced = this.hot.listSyncedAt;
    await this.d1.run(
      [
        ...db.deleteAllAssistants(this.env.DB, this.uid),
        ...this.hot.rows().map((r) => db.upsertAssistant(this.env.DB, this.uid, r)),
        ...(synced === null ? [] : [db.markListSynced(this.env.DB, this.uid, synced)]),
      ],
      () => {
        this.ctx.storage.kv.delete(UNTRUSTED_KEY);
        this.ctx.storage.kv.delete(REPAIR_FAILURES_KEY);
      },
    );
  }

  private async d1Failed(err: unknown) {
    console.error(JSON.stringify({ level: "error", msg: "d1 write failed", error: String(err) }));
    this.ctx.storage.kv.put(UNTRUSTED_KEY, Date.now());
    // While D1 keeps failing, repairs back off instead of hammering it every few seconds.
    const failures = (this.ctx.storage.kv.get<number>(REPAIR_FAILURES_KEY) ?? 0) + 1;
    this.ctx.storage.kv.put(REPAIR_FAILURES_KEY, failures);
    const delay = Math.min(REPAIR_DELAY_MS * 2 ** (failures - 1), REPAIR_MAX_DELAY_MS);
    await this.ctx.storage.setAlarm(Date.now() + delay);
  }

  /**
   * A different key is a different org. The new session and the empty hot layer take effect
   * before any `await`, so a refresh starting meanwhile uses the new key or none.
   */
  private async switchKey(key: string | null) {
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
    if (key === null) {
      throw new ApiError(
        424,
        "vapi_key_not_configured",
        "No Vapi private key is configured for this user. Save one with PUT /api/settings/vapi-key.",
      );
    }
    if (!this.circuit.allow()) throw circuitOpen(this.circuit.retryAfterSeconds());
    return new VapiClient({
      baseUrl: this.config.vapiBaseUrl,
      privateKey: key,
      timeoutMs: this.config.vapiTimeoutMs,
      observe: (ms, ok) => this.stats.upstream(ms, ok),
      retry: {
        attempts: this.config.retryAttempts,
        budgetMs: this.config.retryBudgetMs,
        onRetry: () => this.stats.retries++,
      },
    });
  }

  private assertGeneration(fence: Fence) {
    if (!this.keys.isCurrent(fence.session)) throw keyChanged();
  }

  /** A Vapi write for an existing id; a 404 means it is gone, so it leaves the cache too. */
  private async upstreamWrite<T>(id: string, timing: Timing, call: (c: VapiClient) => Promise<T>) {
    const client = await this.clientFor(timing);
    try {
      return await this.timed(timing, () => call(client));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        this.hot.delete(id, ++this.acked);
        this.pruneTombstones();
        await this.persist(timing, [db.deleteAssistant(this.env.DB, this.uid, id)]);
      }
      throw err;
    }
  }

  /** Chains `work` after every write accepted before it: one Vapi write at a time, in order. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeTail.then(work, work);
    this.writeTail = run.catch(() => undefined);
    return run;
  }

  private async persist(timing: Timing, statements: D1PreparedStatement[]) {
    timing.d1 += await this.d1.run(statements);
  }

  /** Every upstream call goes through here: its time, and its outcome for the circuit. */
  private async timed<T>(timing: Timing, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const value = await work();
      this.circuit.succeeded();
      return value;
    } catch (err) {
      // Only "Vapi is unavailable" counts against the circuit; a 404 or 400 means Vapi is up.
      if (isTransient(err)) this.circuit.failed();
      else if (err instanceof UpstreamError) this.circuit.succeeded();
      throw err;
    } finally {
      timing.vapi += Date.now() - started;
    }
  }

  /** Runs one RPC: readiness, timing, and expected failures returned as values (not thrown). */
  private async answer(
    userId: string,
    kind: "read" | "write",
    work: (timing: Timing, trace: Trace) => Promise<CacheAnswer>,
  ): Promise<CoordinatorResult> {
    const timing = newTiming();
    const trace: Trace = { fwd: kind === "write" ? "method" : "miss" };
    const started = Date.now();
    const settle = () => (timing.cache = Math.max(0, Date.now() - started - timing.vapi - timing.d1));
    try {
      await this.ready(userId);
      const answer = await work(timing, trace);
      if (kind === "write") this.stats.writes++;
      settle();
      return { ok: true, answer };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.stats.errors++;
      settle();
      const failure = toFailure(err);
      const headers = { "Cache-Status": failureStatus(err, trace.fwd), "Server-Timing": serverTiming(timing) };
      failure.headers = { ...failure.headers, ...headers };
      return { ok: false, error: failure };
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

  private forwarded(trace: Trace, joined: boolean): Served {
    return { cached: false, status: `fwd=${trace.fwd}; stored${joined ? "; collapsed" : ""}` };
  }

  private listAnswer(s: Served, timing: Timing): CacheAnswer {
    return {
      status: 200,
      body: `{"assistants":${this.hot.listArrayJson()},"cached":${s.cached}${s.stale ? `,"stale":true` : ""}}`,
      cacheStatus: `${CACHE}; ${s.status}`,
      timing,
    };
  }

  private oneAnswer(entry: Entry, s: Served, timing: Timing): CacheAnswer {
    return {
      status: 200,
      body: `{"assistant":${entry.json},"cached":${s.cached}${s.stale ? `,"stale":true` : ""}}`,
      cacheStatus: `${CACHE}; ${s.status}`,
      timing,
    };
  }

  private writeAnswer(status: 200 | 201, body: string, timing: Timing): CacheAnswer {
    return { status, body, cacheStatus: `${CACHE}; fwd=method; stored`, timing };
  }

  private countMiss(joined: boolean): boolean {
    if (joined) this.stats.coalesced++;
    else this.stats.misses++;
    return joined;
  }

}

const newTiming = (): Timing => ({ cache: 0, d1: 0, vapi: 0 });

/** Where a refresh started: the write counter, the time, and the key session. */
interface Fence {
  ack: number;
  at: number;
  session: Session;
}

const notFound = () =>
  new ApiError(404, "assistant_not_found", "No assistant with that id exists for this user.");

const keyChanged = () =>
  new ApiError(503, "cache_reset", "The Vapi key changed while this request was in flight; retry.", {
    "Retry-After": "0",
  });
