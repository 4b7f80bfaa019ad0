import type { CachedRow } from "../src/db/cache-rows";
import { type Config, readConfig } from "../core/config";
import type { ResourceClient } from "../src/vapi/client";
import type { D1Trust } from "./d1-trust";
import type { D1Writer, D1Target } from "./d1-writer";
import { type Freshness, freshness } from "./freshness";
import type { Entry, HotLayer } from "./hot-layer";
import type { Refresher } from "./refresher";
import type { TeamLink } from "./team-link";
import type { TeamApi, TeamChange } from "./team-wire";

/**
 * The coordinator's one seam for tests (docs/architecture.md, "Testing"). Worker tests reach it
 * with `runInDurableObject(stub, (obj) => obj[TEST_HOOK]())` (test/worker/helpers.ts `withHook`)
 * instead of reading private fields by name, so a refactor of the coordinator changes this file
 * and its one method, not the tests. Production code never calls it.
 *
 * The key is a symbol: Durable Object RPC calls methods by string name only, so the Worker (or
 * anything holding a stub) cannot call the hook; only code running inside the object can.
 * `Symbol.for`, so the tests' copy of this module and the Worker's agree on it.
 */
export const TEST_HOOK: unique symbol = Symbol.for("vapi-edge-cache/coordinator-test-hook");

/** wrangler.toml [vars] names and string values, as a deployment would set them. */
export type Vars = Partial<Record<keyof Env, string>>;

/** `vars`: the config as a deployment with these vars would read it; fields: changed on top. */
export type TestSettings = Partial<Config> & { vars?: Vars };

export interface CoordinatorTestHook {
  // ---- configuration
  /**
   * Runs the coordinator as a deployment with these settings would, from the next request on.
   * With `vars`, the config is read again from the Worker's env with those vars over it (earlier
   * settings are replaced); other fields then change single settings (`{ ttlMs: 0 }`) on top.
   */
  configure(settings: TestSettings): Config;

  // ---- the D1 writer (every D1 change of the user, in one ordered queue)
  /** Settles once every batch queued so far has landed (refresh results are queued, not awaited). */
  d1Drained(): Promise<void>;
  /** Whether a D1 write failed and D1 awaits repair (`d1-untrusted-since`). */
  d1Untrusted(): boolean;
  /** Later batches go through `wrap(db)`: hold, lose, count or fail them (test/worker/gates.ts). */
  interceptD1Batches(wrap: (db: D1Target) => D1Target): void;
  /** The coordinator's env becomes `wrap(env)` (its other D1 reads: the Vapi key, hydration); returns the undo. */
  interceptEnv(wrap: (env: Env) => Env): () => void;
  /** The Vapi client of the next read or write that asks for one is `wrap(client)`. */
  interceptNextClient(wrap: (client: ResourceClient) => ResourceClient): void;

  // ---- clocks: the coordinator's own judgement of time, so tests wait for a state, not a duration
  /** The freshness of `"list"` (the last complete sync) or of an id's resident entry, now. */
  freshness(key: string): Freshness["state"];

  // ---- what memory holds
  /** An id's entry if its payload is in memory (not counted as a use for the LRU order). */
  entry(id: string): Entry | undefined;
  /** Every id held, with or without its payload. */
  ids(): string[];
  /** The resident entries as D1 rows. */
  rows(): CachedRow[];
  /** Ids held whose payload the memory budget dropped. */
  evicted(): string[];
  /** Tombstones kept for refreshes in flight. */
  tombstones(): number;
  /** Refreshes started and not yet ended, abandoned ones (past their flight deadline) included. */
  refreshesRunning(): number;

  // ---- the team (team-link.ts)
  /** The team the user's key belongs to (`org:<orgId>` or `key:<fingerprint>`), null if none. */
  teamId(): string | null;
  /** Calls to the team object go through `wrap(team)` from now on: a slow or unreachable team. */
  interceptTeam(wrap: (team: TeamApi) => TeamApi): void;
  /** Teammates' changes arriving from now on go through `wrap(deliver)`: hold or drop them. */
  interceptTeamChanges(wrap: (deliver: (changes: TeamChange[]) => Promise<void>) => (changes: TeamChange[]) => Promise<void>): void;
}

/** A late-bound field of the coordinator's parts (user-parts.ts) the hook may read and replace. */
export interface Slot<T> {
  get(): T;
  set(value: T): void;
}

/** What the coordinator hands its hook (see `UserCacheCoordinator[TEST_HOOK]`); `A`: `clientFor`'s parameters. */
export interface HookParts<A extends unknown[]> {
  env: Slot<Env>;
  config: Slot<Config>;
  clientFor: Slot<(...args: A) => Promise<ResourceClient>>;
  hot: HotLayer;
  d1: D1Writer;
  trust: D1Trust;
  refresher: Refresher;
  team: TeamLink;
}

export function coordinatorTestHook<A extends unknown[]>(parts: HookParts<A>): CoordinatorTestHook {
  const { hot, d1, trust, refresher, team } = parts;
  return {
    configure({ vars, ...fields }) {
      const base = vars ? readConfig({ ...parts.env.get(), ...vars }) : parts.config.get();
      parts.config.set({ ...base, ...fields });
      return parts.config.get();
    },
    d1Drained: () => d1.drained(),
    d1Untrusted: () => trust.untrusted,
    interceptD1Batches: (wrap) => d1.interpose(wrap),
    interceptEnv(wrap) {
      const real = parts.env.get();
      parts.env.set(wrap(real));
      return () => parts.env.set(real);
    },
    interceptNextClient(wrap) {
      const real = parts.clientFor.get();
      parts.clientFor.set(async (...args: A) => {
        parts.clientFor.set(real);
        return wrap(await real(...args));
      });
    },
    freshness(key) {
      const storedAt = key === "list" ? hot.listSyncedAt : (hot.peek(key)?.cachedAt ?? null);
      return freshness(parts.config.get(), key, storedAt).state;
    },
    entry: (id) => hot.peek(id),
    ids: () => hot.ids(),
    rows: () => hot.rows(),
    evicted: () => hot.evicted(),
    tombstones: () => hot.tombstoneCount,
    refreshesRunning: () => refresher.running,
    teamId: () => team.teamId,
    interceptTeam(wrap) {
      const real = team.connect;
      team.connect = (teamId) => wrap(real(teamId));
    },
    interceptTeamChanges(wrap) {
      const real = team.incoming;
      team.incoming = (changes, apply) => wrap((cs) => real(cs, apply))(changes);
    },
  };
}
