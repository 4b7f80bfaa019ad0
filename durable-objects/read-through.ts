import type { Config } from "../core/config";
import { CACHE } from "../core/cache-status";
import type { CacheAnswer, ReadOptions } from "../core/contract";
import { addTiming, newTiming, type Timing } from "../core/timing";
import { forwarded, listAnswer, notFound, notInList, oneAnswer, type Trace } from "./answers";
import type { ListEtag } from "./etag";
import { type Freshness, freshness } from "./freshness";
import type { Entry, HotLayer } from "./hot-layer";
import type { KeySessions } from "./key-session";
import type { ResourceBudget } from "./memory-budget";
import type { RateLimiter } from "./rate-limiter";
import type { Refresher } from "./refresher";
import type { SingleFlight } from "./single-flight";
import { fwdOf, type Served, servedEarly, servedOnError } from "./stale-policy";
import type { Counters } from "./stats";

/** What a resource's bundle lends its read path (bundle.ts). */
export interface ReadDeps {
  ctx: DurableObjectState;
  hot: HotLayer;
  refresher: Refresher;
  flights: SingleFlight<Timing>;
  keys: KeySessions;
  budget: ResourceBudget;
  /** This resource's counters (the stats answer sums them). */
  stats: Counters;
  limiter: RateLimiter<"writes" | "revalidations" | "socket opens">;
  listTag: ListEtag;
  /** Read on every use: tests and deployments change it. */
  config: () => Config;
}

/**
 * The read path: a hit from memory while fresh (or stale inside stale-while-revalidate), else
 * the one single-flight read from Vapi for that key, then the answer from the hot layer; stale
 * data where Vapi is unavailable and the window allows. Owns the flight keys. See
 * docs/architecture.md, "The read path".
 */
export class ReadThrough {
  constructor(private readonly d: ReadDeps) {}

  /** GET of the complete list, from memory while the last full sync is fresh. */
  async list(opts: ReadOptions, timing: Timing, trace: Trace): Promise<CacheAnswer> {
    const { hot, budget, listTag } = this.d;
    this.admitRevalidation(opts);
    const f = freshness(this.d.config(), "list", hot.listSyncedAt);
    // Payloads dropped under the memory budget come back from D1 first; if they cannot, a miss.
    const servable = !servedEarly(f, !!opts.noCache) || (await budget.restore(timing));
    const early = servable && this.servedFromCache(f, opts, () => this.syncList(newTiming()));
    if (early) return listAnswer(hot, listTag, early, timing, opts);
    trace.fwd = fwdOf(!!opts.noCache, f);
    let joined: boolean;
    try {
      joined = await this.syncList(timing, true);
    } catch (err) {
      const stale = this.staleOnError(err, f, opts);
      if (stale && hot.listSyncedAt !== null && (await budget.restore(timing))) {
        return listAnswer(hot, listTag, stale, timing, opts);
      }
      throw err;
    }
    // The refresh brought every listed payload in, but the budget may have dropped some since.
    if (!(await budget.restore(timing))) await this.syncList(timing);
    return listAnswer(hot, listTag, forwarded(trace, joined), timing, opts);
  }

  /** GET of one item, from memory while fresh. */
  async get(id: string, opts: ReadOptions, timing: Timing, trace: Trace): Promise<CacheAnswer> {
    const { hot, flights, stats } = this.d;
    this.admitRevalidation(opts);
    const cached = hot.get(id);
    const f = freshness(this.d.config(), id, cached ? cached.cachedAt : null);
    const early = cached && this.servedFromCache(f, opts, () => this.fetchOne(id, newTiming()));
    if (cached && early) return oneAnswer(hot.resource, cached, early, timing, opts);
    trace.fwd = fwdOf(!!opts.noCache, f);
    // A miss (no-cache too) while the whole list is being fetched waits for that list.
    // guard: get-id-ignores-an-in-flight-list
    const listInFlight = flights.has(this.key("list"));
    const unknown = !hot.has(id);
    // Else only a *fresh* complete list vouches for every id the user has (own writes since are in it).
    // guard: a-stale-list-vouches-for-unknown-ids
    if (!opts.noCache && unknown && !listInFlight && this.listFresh()) {
      stats.hits++;
      throw notFound(hot.resource, { "Cache-Status": `${CACHE}; hit; detail=not-in-list` });
    }
    // An id the hot layer does not know, while the list is not fresh, joins or starts the one list
    // sync instead of a per-id read: however many ids a client makes up, Vapi sees one read per
    // TTL (issue 18). no-cache still reads the id itself (and is rate limited).
    // guard: unknown-ids-read-one-by-one
    const viaList = listInFlight || (unknown && !opts.noCache);
    let joined: boolean;
    try {
      joined = await (viaList ? this.syncList(timing, true) : this.fetchOne(id, timing, true));
    } catch (err) {
      // The entry as it is now: a delete acknowledged meanwhile is not undone by serving stale.
      const now = hot.get(id);
      const stale = this.staleOnError(err, f, opts);
      // guard: stale-if-error-serves-the-entry-as-it-was
      if (stale && now) return oneAnswer(hot.resource, now, stale, timing, opts);
      throw err;
    }
    const entry = hot.get(id);
    // The complete list just read (plus writes acknowledged since) is the user's whole set.
    if (!entry) throw notFound(hot.resource, viaList ? { "Cache-Status": notInList(trace, joined) } : {});
    return oneAnswer(hot.resource, entry, forwarded(trace, joined), timing, opts);
  }

  /**
   * The version a conditional or merging write works on: the held one while fresh and at least
   * `atLeast` (the newest version a teammate wrote or saw), else Vapi's (read first). 404 when Vapi
   * no longer has it.
   */
  async base(id: string, timing: Timing, atLeast = 0): Promise<Entry> {
    let base = this.d.hot.get(id);
    // guard: if-match-compares-a-stale-base
    if (!base || Date.now() - base.cachedAt >= this.d.config().ttlMs) {
      await this.fetchOne(id, timing);
      base = this.d.hot.get(id);
    }
    // A read joined may have begun before the teammate's write: at most two more, each begun later.
    // guard: base-older-than-the-team-s-version
    for (let tries = 0; base && base.version < atLeast && tries < 2; tries++) {
      await this.fetchOne(id, timing);
      base = this.d.hot.get(id);
    }
    if (!base) throw notFound(this.d.hot.resource);
    return base;
  }

  /** Syncs the complete list, or joins the sync under way; true if it joined. `counted`: a client's read (stats). */
  syncList(timing: Timing, counted = false): Promise<boolean> {
    return this.fly(timing, this.key("list"), () => this.d.refresher.list(), counted);
  }

  /** Reads one item from Vapi, or joins the read under way; true if it joined. */
  fetchOne(id: string, timing: Timing, counted = false): Promise<boolean> {
    return this.fly(timing, this.key(`get:${id}`), () => this.d.refresher.one(id), counted);
  }

  /**
   * Single-flight keys carry the key's generation (a read under an older key is never joined) and
   * the resource (`<gen>:assistant:list`, `<gen>:assistant:get:<id>`), so resources never share a flight.
   */
  private key(name: string) {
    // guard: flight-keys-ignore-the-generation
    return `${this.d.keys.current.generation}:${this.d.hot.resource.name}:${name}`;
  }

  /** Joins or starts the flight for `key`; a client's read counts as a miss or a join at once, before it lands. */
  private async fly(timing: Timing, key: string, work: () => Promise<Timing>, counted: boolean): Promise<boolean> {
    const flight = this.d.flights.run(key, work);
    if (counted && flight.joined) this.d.stats.coalesced++;
    else if (counted) this.d.stats.misses++;
    addTiming(timing, (await flight).value);
    return flight.joined;
  }

  private admitRevalidation(opts: ReadOptions) {
    if (opts.noCache) this.d.limiter.admit("revalidations", this.d.config().revalidationLimit);
  }

  private listFresh(): boolean {
    return freshness(this.d.config(), "list", this.d.hot.listSyncedAt).state === "fresh";
  }

  /** A hit, or stale data inside the stale-while-revalidate window while `refresh` runs in the background. */
  private servedFromCache(f: Freshness, opts: ReadOptions, refresh: () => Promise<unknown>): Served | undefined {
    const served = servedEarly(f, !!opts.noCache);
    if (served?.stale) {
      this.d.stats.staleServed++;
      // Single-flight: joins a refresh already under way. Its failure is counted in the stats and
      // the next read past the window tries again, so there is nothing to do with it here.
      this.d.ctx.waitUntil(refresh().catch(() => undefined));
    } else if (served) this.d.stats.hits++;
    return served;
  }

  private staleOnError(err: unknown, f: Freshness, opts: ReadOptions): Served | undefined {
    const served = servedOnError(err, f, !!opts.noCache);
    if (served) this.d.stats.staleServed++;
    return served;
  }
}
