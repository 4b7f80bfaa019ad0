import { type Config, readConfig } from "../core/config";
import type { Resource } from "../core/resource";
import { resources } from "../core/resources";
import type { Timing } from "../core/timing";
import { selectSettings } from "../src/db/settings";
import type { ResourceClient } from "../src/vapi/client";
import { ResourceBundle, type Shared } from "./bundle";
import { CircuitBreaker } from "./circuit-breaker";
import { D1Trust } from "./d1-trust";
import { D1Writer } from "./d1-writer";
import { EventLog } from "./event-log";
import { IdempotencyKeys } from "./idempotency";
import { KeySessions, type Session } from "./key-session";
import { MemoryBudget } from "./memory-budget";
import { RateLimiter } from "./rate-limiter";
import { distrustReferrers } from "./relations";
import { SingleFlight } from "./single-flight";
import { protocolOf } from "./sockets";
import { CacheStats } from "./stats";
import { TeamLink } from "./team-link";
import { flightDeadlineMs, flightExpired, Upstream } from "./upstream";
import { UserBinding } from "./user-binding";
import { VapiKey } from "./vapi-key";
import { WriteQueue } from "./write-through";

type ClientFor = (resource: Resource, timing: Timing, session?: Session) => Promise<ResourceClient>;

/**
 * Everything one user's coordinator holds, built and wired in one place: the parts every resource
 * shares (the Vapi key and its sessions, upstream and circuit, the single-flight table, rate
 * limits, the D1 writer and its trust, the memory budget, the event log, idempotency keys, the
 * team link, the one write queue) and one bundle per resource (bundle.ts) built over them.
 * coordinator.ts is the RPC surface over these. See docs/architecture.md.
 */
export class UserParts {
  // Late-bound, read through closures by every part: the test hook swaps `env` and `config` (test-hook.ts).
  env: Env;
  config: Config;
  /** Late-bound, so the test hook can intercept the next client (test-hook.ts). */
  clientFor: ClientFor;
  /** The user: bound on the first use, whose start loads D1 once (`start`). */
  readonly user: UserBinding;
  readonly stats = new CacheStats();
  readonly limiter = new RateLimiter<"writes" | "revalidations" | "socket opens">();
  readonly circuit: CircuitBreaker;
  readonly upstream: Upstream;
  readonly trust: D1Trust;
  readonly d1: D1Writer;
  readonly budget: MemoryBudget;
  /** The Vapi key and its cache generation: refreshes begun under an older one are discarded. */
  readonly keys = new KeySessions();
  readonly events: EventLog;
  readonly idempotency: IdempotencyKeys;
  /** The user's side of their team: users whose keys reach the same Vapi org (team-link.ts). */
  readonly team: TeamLink;
  readonly vapiKey: VapiKey;
  /** The user's one write queue: writes of every resource, and key changes, one at a time. */
  readonly queue = new WriteQueue();
  /** One bundle per resource (core/resources/), by name; the first is the one a login warms. */
  readonly bundles: Map<string, ResourceBundle>;
  readonly parts: ResourceBundle[];

  constructor(readonly ctx: DurableObjectState, env: Env) {
    this.env = env;
    this.config = readConfig(env);
    this.user = new UserBinding(ctx, (userId) => this.start(userId));
    this.circuit = new CircuitBreaker(() => this.config.circuitThreshold, () => this.config.circuitOpenMs);
    this.upstream = new Upstream(() => this.config, this.stats, this.circuit);
    this.trust = new D1Trust(ctx);
    this.d1 = new D1Writer(env.DB, (err) => this.trust.failed(err));
    this.budget = new MemoryBudget(() => this.parts, this.d1, this.trust, () => this.config.maxBytes);
    this.events = new EventLog(ctx, () => this.config.eventLogSize, protocolOf);
    this.idempotency = new IdempotencyKeys(ctx, () => ({
      retentionMs: this.config.idempotencyRetentionMs,
      maxKeys: this.config.idempotencyMaxKeys,
    }));
    const uid = () => this.user.uid;
    this.team = new TeamLink({
      ctx, stats: this.stats, config: () => this.config, env: () => this.env, uid,
      identify: (): Promise<string | null> => this.vapiKey.team(this.parts[0]!.resource),
    });
    this.vapiKey = new VapiKey({
      keys: this.keys, upstream: this.upstream, events: this.events, idempotency: this.idempotency, d1: this.d1,
      team: this.team, parts: () => this.parts, env: () => this.env, uid,
    });
    this.clientFor = (resource, timing, session) => this.vapiKey.clientFor(resource, timing, session);
    const shared: Shared = {
      ctx, keys: this.keys, limiter: this.limiter, upstream: this.upstream, d1: this.d1, events: this.events,
      budget: this.budget, queue: this.queue, idempotency: this.idempotency, team: this.team,
      flights: new SingleFlight<Timing>(() => flightDeadlineMs(this.config), (_, ms) => flightExpired(ms)),
      config: () => this.config, env: () => this.env, uid,
      ready: (userId) => this.user.ready(userId),
      clientFor: (resource, timing, session) => this.clientFor(resource, timing, session),
      gone: (resource, ids) => distrustReferrers(this.parts, resource.name, ids, this.env.DB, this.user.uid),
      behind: (statements) => void this.trust.behind(this.d1, statements),
    };
    this.bundles = new Map(resources.map((r, i) => [r.name, new ResourceBundle(r, shared, i === 0)]));
    this.parts = [...this.bundles.values()];
  }

  /** Rewrites the user's D1 rows of every resource from memory (after a failed D1 write; d1-trust.ts). */
  repair(): Promise<void> {
    return this.trust.repair(this.d1, this.env.DB, this.user.uid, this.parts);
  }

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
}
