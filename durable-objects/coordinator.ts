import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../core/config";
import type { CoordinatorResult, ReadOptions, WriteOptions } from "../core/contract";
import { ApiError, type ApiFailure } from "../core/errors";
import { needsBase, vapiPatchBody } from "../core/merge-patch";
import { USER_HEADER } from "../core/protocol";
import { newTiming, type Timing } from "../core/timing";
import { assistants } from "../core/resources/assistants";
import { CacheRows } from "../src/db/cache-rows";
import { deleteVapiKey, readVapiKey, saveVapiKey } from "../src/db/settings";
import type { ResourceClient } from "../src/vapi/client";
import { createOnce } from "../src/vapi/create-marker";
import { keyChanged, preconditionFailed, writeAnswer, writtenAnswer } from "./answers";
import { CircuitBreaker } from "./circuit-breaker";
import { D1Trust } from "./d1-trust";
import { D1Writer } from "./d1-writer";
import { etagOf, ListEtag, matches } from "./etag";
import { EventLog } from "./event-log";
import { HotLayer } from "./hot-layer";
import { type Attempt, fingerprint, IdempotencyKeys } from "./idempotency";
import { KeySessions, type Session, SessionChanged } from "./key-session";
import { MemoryBudget } from "./memory-budget";
import { RateLimiter } from "./rate-limiter";
import { framed } from "./rpc-frame";
import { ReadThrough } from "./read-through";
import { refreshAhead } from "./refresh-ahead";
import { Refresher } from "./refresher";
import { SingleFlight } from "./single-flight";
import { acceptTab, protocolOf } from "./sockets";
import { CacheStats, type StatsSnapshot } from "./stats";
import { type CoordinatorTestHook, coordinatorTestHook, TEST_HOOK } from "./test-hook";
import { flightDeadlineMs, flightExpired, Upstream } from "./upstream";
import { WriteThrough } from "./write-through";

const USER_KEY = "user-id";

/**
 * One per user (JWT `sub`): the hot layer, the single-flight table for Vapi reads, the queue that
 * serializes the user's writes, and the ordered queue of D1 changes. See docs/architecture.md.
 */
export class UserCacheCoordinator extends DurableObject<Env> {
  config = readConfig(this.env);
  private userId: string | undefined;
  /** The resource this coordinator caches: its hot layer and its D1 rows (core/resource.ts). */
  private readonly hot = new HotLayer(assistants);
  private readonly rows = new CacheRows(assistants);
  private readonly flights = new SingleFlight<Timing>(() => flightDeadlineMs(this.config), (_, ms) => flightExpired(ms));
  private readonly stats = new CacheStats();
  private readonly limiter = new RateLimiter<"writes" | "revalidations" | "socket opens">();
  private readonly circuit = new CircuitBreaker(() => this.config.circuitThreshold, () => this.config.circuitOpenMs);
  private readonly upstream = new Upstream(() => this.config, this.stats, this.circuit);
  private readonly trust = new D1Trust(this.ctx, this.rows);
  private readonly d1 = new D1Writer(this.env.DB, (err) => this.trust.failed(err));
  private readonly budget = new MemoryBudget(this.hot, this.d1, this.trust, () => this.config.maxBytes, (ids) =>
    this.rows.load(this.env.DB, this.uid, ids),
  );
  /** The Vapi key and its cache generation: refreshes begun under an older one are discarded. */
  private readonly keys = new KeySessions();
  private started: Promise<void> | undefined;
  private readonly events = new EventLog(this.ctx, () => this.config.eventLogSize, protocolOf);
  private readonly listTag = new ListEtag();
  private readonly idempotency = new IdempotencyKeys(this.ctx, () => ({
    retentionMs: this.config.idempotencyRetentionMs,
    maxKeys: this.config.idempotencyMaxKeys,
  }));
  /** Reads from Vapi and their fencing; the write counter lives there too. */
  private readonly refresher = new Refresher({
    ctx: this.ctx, hot: this.hot, rows: this.rows, upstream: this.upstream, keys: this.keys,
    d1: this.d1, events: this.events, budget: this.budget,
    // Late-bound: the test hook swaps `config`, `env` and `clientFor` (test-hook.ts).
    config: () => this.config, env: () => this.env, uid: () => this.uid,
    clientFor: (timing, session) => this.clientFor(timing, session),
  });

  private readonly reads = new ReadThrough({
    ctx: this.ctx, hot: this.hot, refresher: this.refresher, flights: this.flights, keys: this.keys, budget: this.budget,
    stats: this.stats, limiter: this.limiter, listTag: this.listTag, config: () => this.config,
  });
  private readonly frame = {
    ready: (userId: string) => this.ready(userId), limiter: this.limiter, budget: this.budget, stats: this.stats,
    config: () => this.config,
  };
  private readonly writes = new WriteThrough({
    hot: this.hot, rows: this.rows, refresher: this.refresher, d1: this.d1, events: this.events, upstream: this.upstream,
    env: () => this.env, uid: () => this.uid, clientFor: (timing) => this.clientFor(timing),
  });

  /** GET /api/assistants: the complete list, from memory while the last full sync is fresh. */
  async list(userId: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return framed(this.frame, userId, "read", (timing, trace) => this.reads.list(opts, timing, trace));
  }

  /** GET /api/assistants/:id: one assistant, from memory while fresh. */
  async get(userId: string, id: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return framed(this.frame, userId, "read", (timing, trace) => this.reads.get(id, opts, timing, trace), id);
  }

  // ---- writes (serialized per user; Vapi first, then memory, D1 and tabs: write-through.ts) ----

  /** POST /api/assistants. Never retried here; a client retries with its Idempotency-Key (idempotency.ts). */
  async create(userId: string, body: Record<string, unknown>, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    const lookupBudget = Math.max(this.config.retryBudgetMs, this.config.vapiTimeoutMs);
    return this.idempotent(opts, ["POST", `/api/${this.hot.resource.plural}`, body], (attempt) =>
      framed(this.frame, userId, "write", (timing) =>
        this.writes.queued(async () => {
          const entry = await this.writes.write(timing, undefined, async (client, timed) => {
            const item = await createOnce(client, body, lookupBudget, timed, attempt).catch((err: unknown) =>
              this.unknownCreate(err, timing),
            );
            return { type: "created", item, origin: "write", clientId: opts.clientId };
          });
          return writtenAnswer(this.hot.resource, 201, entry!, timing);
        }),
      ),
    );
  }

  /** PATCH /api/assistants/:id with a JSON merge patch (RFC 7386), applied to the latest version. */
  async update(userId: string, id: string, patch: Record<string, unknown>, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.idempotent(opts, ["PATCH", `/api/${this.hot.resource.plural}/${id}`, patch], () => framed(this.frame, userId, "write", (timing) =>
      this.writes.queued(async () => {
        // guard: patch-if-match-compares-without-fetching
        const base = needsBase(patch) || opts.ifMatch !== undefined ? await this.reads.base(id, timing) : this.hot.get(id);
        // Checked here, after every write queued before this one: exactly one of N racing tabs wins.
        if (base && opts.ifMatch !== undefined && !matches(opts.ifMatch, etagOf(base), false)) {
          return preconditionFailed(this.hot.resource, base, timing);
        }
        const body = vapiPatchBody(base?.item, patch);
        const entry = await this.writes.write(timing, id, async (client, timed) => {
          const item = await timed(() => client.update(id, body));
          return { type: "updated", item, origin: "write", clientId: opts.clientId };
        });
        return writtenAnswer(this.hot.resource, 200, entry!, timing);
      }),
      id,
    ));
  }

  /** DELETE /api/assistants/:id. The tombstone keeps older refreshes from resurrecting it. */
  async remove(userId: string, id: string, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.idempotent(opts, ["DELETE", `/api/${this.hot.resource.plural}/${id}`], () => framed(this.frame, userId, "write", (timing) =>
      this.writes.queued(async () => {
        if (opts.ifMatch !== undefined) {
          const base = await this.reads.base(id, timing);
          // guard: delete-if-match-not-compared
          if (!matches(opts.ifMatch, etagOf(base), false)) return preconditionFailed(this.hot.resource, base, timing);
        }
        await this.writes.write(timing, id, async (client, timed) => {
          await timed(() => client.remove(id));
          return { type: "deleted", id, origin: "write", clientId: opts.clientId };
        });
        return writeAnswer(200, `{"success":true}`, timing);
      }),
      id,
    ));
  }

  // ---- settings ----------------------------------------------------------------------

  /** Stores a (verified) Vapi key; a different key means a different org: the cache is dropped. */
  async setKey(userId: string, privateKey: string): Promise<void> {
    await this.ready(userId);
    await this.writes.queued(async () => {
      const previous = await this.loadKey(this.keys.current);
      await saveVapiKey(this.env, this.uid, privateKey);
      if (previous !== privateKey) await this.switchKey(privateKey);
    });
  }

  /** Forgets the user's Vapi key and everything cached with it. */
  async removeKey(userId: string): Promise<void> {
    await this.ready(userId);
    await this.writes.queued(async () => {
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
    await this.ahead(userId);
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
    this.ctx.waitUntil(this.ahead(userId));
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

  /** Refresh-ahead for open tabs (refresh-ahead.ts), through the one list flight. */
  private ahead(userId: string) {
    return refreshAhead(this.ctx, this.hot, this.config, () => this.ready(userId), () => this.reads.syncList(newTiming()));
  }

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
    await this.trust.load(this.d1, this.env.DB, userId, this.hot);
  }

  /**
   * A different key is a different org. The new session and the empty hot layer take effect
   * before any `await`, so a refresh starting meanwhile uses the new key or none.
   */
  private async switchKey(key: string | null) {
    // Nothing of the old org is replayed to a tab, and the open ones reload.
    // guard: events-key-change-keeps-the-log
    this.events.forget();
    // Stored answers hold the old org's assistants: they go with it.
    // guard: idem-key-change-keeps-stored-answers
    this.idempotency.forget();
    // guard: key-switched-after-the-d1-await
    this.keys.switchTo(key);
    this.hot.clear();
    await this.d1.run(this.rows.deleteAll(this.env.DB, this.uid));
  }

  private async loadKey(session: Session): Promise<string | null> {
    try {
      return await this.keys.keyOf(session, () => readVapiKey(this.env, this.uid));
    } catch (err) {
      throw err instanceof SessionChanged ? keyChanged() : err;
    }
  }

  /** A client for `session`'s key (writes run between key changes, so theirs is the current one). */
  private async clientFor(timing: Timing, session = this.keys.current): Promise<ResourceClient> {
    const started = Date.now();
    const key = await this.loadKey(session);
    timing.key += Date.now() - started;
    return this.upstream.client(key, this.hot.resource);
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
    // guard: unknown-create-keeps-the-list-complete
    if (err instanceof ApiError && err.code === "vapi_create_unknown") timing.d1 += await this.d1.run([this.refresher.forgetList()]);
    throw err;
  }
}
