import { DurableObject } from "cloudflare:workers";
import type { CoordinatorResult, ReadOptions, WriteOptions } from "../core/contract";
import { type ApiFailure, toFailure } from "../core/errors";
import { USER_HEADER } from "../core/protocol";
import { unknownResource } from "./answers";
import type { ResourceBundle } from "./bundle";
import { refreshAhead } from "./refresh-ahead";
import { acceptTab } from "./sockets";
import type { StatsSnapshot } from "./stats";
import type { TeamChange } from "./team-wire";
import { type CoordinatorTestHook, coordinatorTestHook, TEST_HOOK } from "./test-hook";
import { UserParts } from "./user-parts";

/**
 * One per user (JWT `sub`): the Durable Object's RPC surface. What it holds — the parts every
 * resource shares and one bundle per resource — is built and wired in user-parts.ts; each method
 * here delegates to those parts. See docs/architecture.md.
 */
export class UserCacheCoordinator extends DurableObject<Env> {
  private readonly p = new UserParts(this.ctx, this.env);

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
    await this.p.user.ready(userId);
    await this.p.queue.queued(async () => {
      await this.p.vapiKey.save(privateKey);
      await this.p.team.follow(await this.p.team.identify(privateKey, verified.orgId));
    });
  }

  /** Forgets the user's Vapi key and everything cached with it. */
  async removeKey(userId: string): Promise<void> {
    await this.p.user.ready(userId);
    await this.p.queue.queued(() => this.p.vapiKey.remove());
  }

  /** For Worker-side work that costs a Vapi call (verifying a key): the user's write limit. */
  async admitWrite(userId: string): Promise<ApiFailure | null> {
    await this.p.user.ready(userId);
    return this.p.limiter.refusal("writes", this.p.config.writeLimit);
  }

  /** Before an events socket opens (each open may replay the whole log): the user's socket-open budget. */
  async admitSocket(): Promise<ApiFailure | null> {
    return this.p.limiter.refusal("socket opens", this.p.config.socketOpenLimit);
  }

  /**
   * A teammate's acknowledged changes, relayed by the team `teamId` (team.ts): applied like the
   * user's own (write counter, hot layer, D1, tabs) under the same fencing, unless the user's key
   * left that team meanwhile (false). Wakes an evicted coordinator, which hydrates first.
   */
  async teamChange(userId: string, teamId: string, changes: TeamChange[]): Promise<boolean> {
    await this.p.user.ready(userId);
    const applied = await this.p.team.receive(teamId, changes, (c) => this.p.bundles.get(c.resource)?.relayed(c) ?? Promise.resolve());
    this.p.budget.enforce();
    return applied;
  }

  /** GET /api/cache/stats: the totals, and each resource's counters and memory. */
  async getStats(userId: string): Promise<StatsSnapshot> {
    await this.p.user.ready(userId);
    const usage = this.p.parts.map((b) => ({ name: b.resource.name, counters: b.counters, memory: b.hot.memory() }));
    return this.p.stats.snapshot(usage, this.p.config.maxBytes, this.p.circuit.snapshot());
  }

  /**
   * The one alarm (see alarm.ts): repairs D1 after a failed write, and refreshes ahead for open
   * tabs. Whatever woke it, both run when they have work, and each asks again for its next time.
   */
  override async alarm(): Promise<void> {
    const userId = this.p.user.stored;
    if (!userId) return;
    if (this.p.trust.untrusted) {
      await this.p.user.ready(userId);
      await this.p.repair();
    }
    await this.ahead(userId);
  }

  // ---- live updates (GET /api/events, forwarded by the Worker after auth) ---------------

  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get(USER_HEADER);
    if (!userId) return new Response(null, { status: 400 });
    // A socket announced for anyone but this object's user: the Worker forwarded an identity it did not verify.
    this.p.user.assertServes(userId);
    const res = acceptTab(this.ctx, this.p.events, request, this.p.config.maxSockets);
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
    const p = this.p;
    const { hot, refresher } = (resource === undefined ? undefined : p.bundles.get(resource)) ?? p.parts[0]!;
    return coordinatorTestHook({
      env: { get: () => p.env, set: (env) => (p.env = env) },
      config: { get: () => p.config, set: (config) => (p.config = config) },
      clientFor: { get: () => p.clientFor, set: (f) => (p.clientFor = f) },
      hot, refresher, d1: p.d1, trust: p.trust, team: p.team,
    });
  }

  // ---- plumbing ----------------------------------------------------------------------

  /** Runs `work` on the named resource's bundle; an unknown name is a failure, as a value. */
  private bundle(name: string, work: (b: ResourceBundle) => Promise<CoordinatorResult>): Promise<CoordinatorResult> {
    const bundle = this.p.bundles.get(name);
    if (bundle) return work(bundle);
    return Promise.resolve({ ok: false, error: toFailure(unknownResource(name)) });
  }

  /** Refresh-ahead for open tabs (refresh-ahead.ts), through each list's one flight. */
  private ahead(userId: string) {
    return refreshAhead(this.ctx, this.p.parts, this.p.config, () => this.p.user.ready(userId));
  }
}
