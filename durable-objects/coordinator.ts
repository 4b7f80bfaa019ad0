import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../core/config";
import type { CoordinatorResult, ReadOptions, WriteOptions } from "../core/contract";
import { type ApiFailure, toFailure } from "../core/errors";
import { USER_HEADER } from "../core/protocol";
import type { Resource } from "../core/resource";
import { resources } from "../core/resources";
import { newTiming, type Timing } from "../core/timing";
import { selectSettings } from "../src/db/settings";
import type { ResourceClient } from "../src/vapi/client";
import { unknownResource } from "./answers";
import { ResourceBundle, type Shared } from "./bundle";
import { CircuitBreaker } from "./circuit-breaker";
import { D1Trust } from "./d1-trust";
import { D1Writer } from "./d1-writer";
import { EventLog } from "./event-log";
import { IdempotencyKeys } from "./idempotency";
import { KeySessions, type Session } from "./key-session";
import { MemoryBudget } from "./memory-budget";
import { RateLimiter } from "./rate-limiter";
import { refreshAhead } from "./refresh-ahead";
import { distrustReferrers } from "./relations";
import { SingleFlight } from "./single-flight";
import { acceptTab, protocolOf } from "./sockets";
import { CacheStats, type StatsSnapshot } from "./stats";
import { TeamLink } from "./team-link";
import type { TeamChange } from "./team-wire";
import { type CoordinatorTestHook, coordinatorTestHook, TEST_HOOK } from "./test-hook";
import { flightDeadlineMs, flightExpired, Upstream } from "./upstream";
import { UserBinding } from "./user-binding";
import { VapiKey } from "./vapi-key";
import { WriteQueue } from "./write-through";

/**
 * One per user (JWT `sub`): the parts every resource shares (the Vapi key and its sessions, the
 * upstream circuit, the single-flight table, the one write queue, the ordered queue of D1 changes,
 * the event log, idempotency keys, stats, rate limits and the memory budget) and one bundle per
 * resource (bundle.ts) for the rest. See docs/architecture.md.
 */
export class UserCacheCoordinator extends DurableObject<Env> {
  config = readConfig(this.env);
  private readonly user = new UserBinding(this.ctx, (userId) => this.start(userId));
  private readonly stats = new CacheStats();
  private readonly limiter = new RateLimiter<"writes" | "revalidations" | "socket opens">();
  private readonly circuit = new CircuitBreaker(() => this.config.circuitThreshold, () => this.config.circuitOpenMs);
  private readonly upstream = new Upstream(() => this.config, this.stats, this.circuit);
  private readonly trust = new D1Trust(this.ctx);
  private readonly d1 = new D1Writer(this.env.DB, (err) => this.trust.failed(err));
  private readonly budget = new MemoryBudget(() => this.parts, this.d1, this.trust, () => this.config.maxBytes);
  /** The Vapi key and its cache generation: refreshes begun under an older one are discarded. */
  private readonly keys = new KeySessions();
  private readonly events = new EventLog(this.ctx, () => this.config.eventLogSize, protocolOf);
  private readonly idempotency = new IdempotencyKeys(this.ctx, () => ({
    retentionMs: this.config.idempotencyRetentionMs,
    maxKeys: this.config.idempotencyMaxKeys,
  }));
  /** The user's side of their team: users whose keys reach the same Vapi org (team-link.ts). */
  private readonly team: TeamLink = new TeamLink({
    ctx: this.ctx, stats: this.stats, config: () => this.config, env: () => this.env, uid: () => this.user.uid,
    identify: (): Promise<string | null> => this.vapiKey.team(this.parts[0]!.resource),
  });
  private readonly vapiKey: VapiKey = new VapiKey({
    keys: this.keys, upstream: this.upstream, events: this.events, idempotency: this.idempotency, d1: this.d1,
    team: this.team, parts: () => this.parts, env: () => this.env, uid: () => this.user.uid,
  });
  /** The user's one write queue: writes of every resource, and key changes, one at a time. */
  private readonly queue = new WriteQueue();
  /** Late-bound, so the test hook can intercept the next client (test-hook.ts). */
  private clientFor = (resource: Resource, timing: Timing, session?: Session): Promise<ResourceClient> =>
    this.vapiKey.clientFor(resource, timing, session);

  private readonly shared: Shared = {
    ctx: this.ctx, keys: this.keys, limiter: this.limiter, upstream: this.upstream, d1: this.d1, events: this.events,
    budget: this.budget, queue: this.queue, idempotency: this.idempotency, team: this.team,
    flights: new SingleFlight<Timing>(() => flightDeadlineMs(this.config), (_, ms) => flightExpired(ms)),
    config: () => this.config, env: () => this.env, uid: () => this.user.uid,
    ready: (userId) => this.user.ready(userId),
    clientFor: (resource, timing, session) => this.clientFor(resource, timing, session),
    gone: (resource, ids) => distrustReferrers(this.parts, resource.name, ids, this.env.DB, this.user.uid),
  };
  /** One bundle per resource (core/resources/), by name; the first is the one a login warms. */
  private readonly bundles = new Map(resources.map((r, i) => [r.name, new ResourceBundle(r, this.shared, i === 0)]));
  private readonly parts = [...this.bundles.values()];

  /** GET /api/<plural>: the complete list, from memory while the last full sync is fresh. */
  async list(userId: string, resource: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return this.bundle(resource, (b) => b.list(userId, opts));
  }

  /** GET /api/<plural>/:id: one item, from memory while fresh. */
  async get(userId: string, resource: string, id: string, opts: ReadOptions = {}): Promise<CoordinatorResult> {
    return this.bundle(resource, (b) => b.get(userId, id, opts));
  }

  /** POST /api/<plural> (write-through; once per Idempotency-Key). */
  async create(userId: string, resource: string, body: Record<string, unknown>, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.bundle(resource, (b) => b.create(userId, body, opts));
  }

  /** PATCH /api/<plural>/:id with a JSON merge patch (RFC 7386), applied to the latest version. */
  async update(
    userId: string, resource: string, id: string, patch: Record<string, unknown>, opts: WriteOptions = {},
  ): Promise<CoordinatorResult> {
    return this.bundle(resource, (b) => b.update(userId, id, patch, opts));
  }

  /** DELETE /api/<plural>/:id. */
  async remove(userId: string, resource: string, id: string, opts: WriteOptions = {}): Promise<CoordinatorResult> {
    return this.bundle(resource, (b) => b.remove(userId, id, opts));
  }

  // ---- settings ----------------------------------------------------------------------

  /**
   * Stores a (verified) Vapi key; a different key means a different org: the cache is dropped.
   * `verified.orgId`: the org Vapi named when the Worker verified the key; the user joins its team.
   */
  async setKey(userId: string, privateKey: string, verified: { orgId?: string } = {}): Promise<void> {
    await this.user.ready(userId);
    await this.queue.queued(async () => {
      await this.vapiKey.save(privateKey);
      await this.team.follow(await this.team.identify(privateKey, verified.orgId));
    });
  }

  /** Forgets the user's Vapi key and everything cached with it. */
  async removeKey(userId: string): Promise<void> {
    await this.user.ready(userId);
    await this.queue.queued(() => this.vapiKey.remove());
  }

  /** For Worker-side work that costs a Vapi call (verifying a key): the user's write limit. */
  async admitWrite(userId: string): Promise<ApiFailure | null> {
    await this.user.ready(userId);
    return this.limiter.refusal("writes", this.config.writeLimit);
  }

  /** Before an events socket opens (each open may replay the whole log): the user's socket-open budget. */
  async admitSocket(): Promise<ApiFailure | null> {
    return this.limiter.refusal("socket opens", this.config.socketOpenLimit);
  }

  /**
   * A teammate's acknowledged changes, relayed by the team `teamId` (team.ts): applied like the
   * user's own (write counter, hot layer, D1, tabs) under the same fencing, unless the user's key
   * left that team meanwhile (false). Wakes an evicted coordinator, which hydrates first.
   */
  async teamChange(userId: string, teamId: string, changes: TeamChange[]): Promise<boolean> {
    await this.user.ready(userId);
    const applied = await this.team.receive(teamId, changes, (c) => this.bundles.get(c.resource)?.relayed(c) ?? Promise.resolve());
    this.budget.enforce();
    return applied;
  }

  /** GET /api/cache/stats: the totals, and each resource's counters and memory. */
  async getStats(userId: string): Promise<StatsSnapshot> {
    await this.user.ready(userId);
    const usage = this.parts.map((b) => ({ name: b.resource.name, counters: b.counters, memory: b.hot.memory() }));
    return this.stats.snapshot(usage, this.config.maxBytes, this.circuit.snapshot());
  }

  /**
   * The one alarm (see alarm.ts): repairs D1 after a failed write, and refreshes ahead for open
   * tabs. Whatever woke it, both run when they have work, and each asks again for its next time.
   */
  override async alarm(): Promise<void> {
    const userId = this.user.stored;
    if (!userId) return;
    if (this.trust.untrusted) {
      await this.user.ready(userId);
      await this.trust.repair(this.d1, this.env.DB, this.user.uid, this.parts);
    }
    await this.ahead(userId);
  }

  // ---- live updates (GET /api/events, forwarded by the Worker after auth) ---------------

  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get(USER_HEADER);
    if (!userId) return new Response(null, { status: 400 });
    // A socket announced for anyone but this object's user: the Worker forwarded an identity it did not verify.
    this.user.assertServes(userId);
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
   * writer, clocks, and what the memory of `resource` (by name; default the first, assistants)
   * holds. Symbol-keyed, so not callable over RPC; production code never calls it.
   */
  [TEST_HOOK](resource?: string): CoordinatorTestHook {
    const { hot, refresher } = (resource === undefined ? undefined : this.bundles.get(resource)) ?? this.parts[0]!;
    return coordinatorTestHook({
      env: { get: () => this.env, set: (env) => (this.env = env) },
      config: { get: () => this.config, set: (config) => (this.config = config) },
      clientFor: { get: () => this.clientFor, set: (f) => (this.clientFor = f) },
      hot, refresher, d1: this.d1, trust: this.trust, team: this.team,
    });
  }

  // ---- plumbing ----------------------------------------------------------------------

  /** Runs `work` on the named resource's bundle; an unknown name is a failure, as a value. */
  /**
   * A start (the first use after a restart or eviction) reads D1 once: every resource's rows and
   * list marker, and the Vapi key's row, which a read or write right after the start likely needs.
   */
  private async start(userId: string) {
    // guard: key-read-after-the-rehydration
    const loading = this.trust.load(this.d1, this.env.DB, userId, this.parts, selectSettings(this.env.DB, userId));
    this.vapiKey.prefetch(loading);
    await loading;
  }

  private bundle(name: string, work: (b: ResourceBundle) => Promise<CoordinatorResult>): Promise<CoordinatorResult> {
    const bundle = this.bundles.get(name);
    if (bundle) return work(bundle);
    return Promise.resolve({ ok: false, error: toFailure(unknownResource(name)) });
  }

  /** Refresh-ahead for open tabs (refresh-ahead.ts), through each list's one flight. */
  private ahead(userId: string) {
    return refreshAhead(this.ctx, this.parts, this.config, () => this.user.ready(userId));
  }
}
