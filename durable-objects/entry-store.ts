import type { Resource, VapiItem } from "../core/resource";
import type { CachedRow } from "../src/db/cache-rows";
import { etagOf } from "./etag";

// Where the hot layer keeps its entries, and what their strings occupy under the memory budget.
// The fencing rules on top are in hot-layer.ts. See docs/architecture.md, "Memory bound".

/**
 * One cached item (an assistant, …): parsed, serialized once, and stamped for freshness and fencing. A new
 * version is a new Entry; only `cachedAt` changes in place (an unchanged revalidation), and no
 * validator depends on it.
 */
export interface Entry {
  item: VapiItem;
  json: string;
  /** When this version was last fetched from Vapi, confirmed by a refresh, or written through (unix ms). */
  cachedAt: number;
  /** The item's version (`Resource.version`: Vapi's `updatedAt`, in ms): versions never go backwards. */
  version: number;
  /** The write counter value of the last local write acknowledged for it; 0 if never written. */
  writtenAtSeq: number;
}

/**
 * An entry whose payload (JSON and parsed object) was dropped under the memory budget: what
 * fencing, freshness, validators and the complete-list rule need stays in memory.
 */
export interface Stub {
  cachedAt: number;
  version: number;
  writtenAtSeq: number;
  /** The dropped payload's validator, so a refresh can still tell whether it changed. */
  etag: string;
  item?: undefined;
  json?: undefined;
}

export type Slot = Entry | Stub;
export const isResident = (s: Slot | undefined): s is Entry => s?.json !== undefined;

export const toRow = (id: string, e: Entry): CachedRow => ({
  id,
  json: e.json,
  cachedAt: e.cachedAt,
  updatedAt: e.version,
});

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Bytes V8 uses for a string's characters: one per character when they are all Latin-1 (the
 * usual JSON of a Vapi object), two when any is not. `length` is cheap and the scan runs once per
 * new version or list build, never per hit; UTF-8 (what D1 and the wire carry) can differ.
 */
export const stringBytes = (s: string) => s.length * (BEYOND_LATIN1.test(s) ? 2 : 1);

/** What the hot layer's strings occupy; the parsed objects are extra and not counted here. */
export interface HotMemory {
  /** Ids held (with or without their payload). */
  entries: number;
  /** Of which with their payload (JSON and parsed object) in memory. */
  resident: number;
  /** `jsonBytes + listBytes`. */
  bytes: number;
  /** Each entry's serialized item. */
  jsonBytes: number;
  /** The cached list strings (the array and its validators), while built (0 when not). */
  listBytes: number;
  /** Payloads dropped under the memory budget since the coordinator started. */
  evictions: number;
}

/**
 * Entries by id, each with its payload or, once dropped under the memory budget, a stub; the
 * payloads in least-recently-used order; the list string; and the bytes of all strings held.
 */
export class EntryStore {
  constructor(private readonly resource: Resource) {}

  private readonly entries = new Map<string, Slot>();
  /** Ids whose payload is in memory, least recently used first (a Set keeps insertion order). */
  private readonly lru = new Set<string>();
  private evictions = 0;
  private listJson: string | null = null;
  private listEtags = "{}";
  private jsonBytes = 0;
  private listBytes = 0;
  private gen = 0;

  /**
   * Bumped by every change of what the store holds (an entry set, removed, its payload dropped or
   * restored, everything cleared, or `changed()`), never by a use or a freshness update in place:
   * equal values mean nothing changed between (the refresher's unchanged-list check).
   */
  get generation(): number {
    return this.gen;
  }

  /** A held slot's fencing was changed in place (hot-layer.ts `distrust`). */
  changed() {
    this.gen++;
  }

  get size() {
    return this.entries.size;
  }

  /** The strings held, in bytes (see `stringBytes`); each entry's parsed object comes on top. */
  memory(): HotMemory {
    const { jsonBytes, listBytes, evictions } = this;
    const entries = this.entries.size;
    return { entries, resident: this.lru.size, bytes: jsonBytes + listBytes, jsonBytes, listBytes, evictions };
  }

  /** The entry with its payload, if in memory; counts as a use for the LRU order. */
  get(id: string): Entry | undefined {
    const e = this.peek(id);
    if (e) this.use(id);
    return e;
  }

  /** The entry with its payload, if in memory, without counting a use. */
  peek(id: string): Entry | undefined {
    const s = this.entries.get(id);
    return isResident(s) ? s : undefined;
  }

  /** Whether the id is held, with or without its payload. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The validator of a held id, with or without its payload. */
  etag(id: string): string | undefined {
    const s = this.entries.get(id);
    return s === undefined ? undefined : isResident(s) ? etagOf(s) : s.etag;
  }

  /** Ids held whose payload was dropped (among `ids`, or all). */
  evicted(ids?: string[]): string[] {
    if (this.lru.size === this.entries.size) return []; // every payload in: the hit path's case
    const out: string[] = [];
    for (const id of ids ?? this.entries.keys()) {
      const s = this.entries.get(id);
      if (s && !isResident(s)) out.push(id);
    }
    return out;
  }

  /** The list as a JSON array, newest first; rebuilt only after a change. Every payload must be in memory. */
  listArrayJson(): string {
    if (this.listJson === null) {
      if (this.lru.size !== this.entries.size) throw new Error("list built with payloads dropped");
      const sorted = ([...this.entries.values()] as Entry[]).sort((a, b) => this.resource.order(a.item, b.item));
      this.listJson = `[${sorted.map((e) => e.json).join(",")}]`;
      // Built in the same pass and dropped with it: the validators are a function of the payloads.
      this.listEtags = `{${sorted.map((e) => `${JSON.stringify(e.item.id)}:${JSON.stringify(etagOf(e))}`).join(",")}}`;
      this.listBytes = stringBytes(this.listJson) + stringBytes(this.listEtags);
    }
    return this.listJson;
  }

  /** The list's per-item validators as a JSON object `{"<id>": "<etag>"}`, built with `listArrayJson`. */
  listEtagsJson(): string {
    this.listArrayJson();
    return this.listEtags;
  }

  /**
   * Puts back payloads dropped under the budget from D1 rows: only where the id still holds a
   * dropped payload of exactly the row's version (anything else changed since, in memory first).
   */
  restore(rows: CachedRow[]) {
    for (const r of rows) {
      const s = this.entries.get(r.id);
      // guard: dropped-payload-restored-at-another-version
      if (!s || isResident(s) || s.version !== r.updatedAt) continue;
      const item = JSON.parse(r.json) as VapiItem;
      this.set(r.id, { item, json: r.json, cachedAt: s.cachedAt, version: s.version, writtenAtSeq: s.writtenAtSeq });
    }
  }

  /**
   * Drops payloads until the strings held fit `maxBytes`: the list string first, then the least
   * recently used payloads, skipping `pinned` ids (reads in flight). The caller makes sure D1
   * holds every payload it drops. Returns how many were dropped.
   */
  trim(maxBytes: number, pinned: ReadonlyMap<string, unknown> = new Map()): number {
    if (this.jsonBytes + this.listBytes <= maxBytes) return 0;
    this.dropList();
    let dropped = 0;
    for (const id of this.lru) {
      if (this.jsonBytes <= maxBytes) break;
      if (pinned.has(id)) continue;
      this.evict(id);
      dropped++;
    }
    return dropped;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The rows of the entries whose payload is in memory (D1 already holds the others). */
  rows(): CachedRow[] {
    const rows: CachedRow[] = [];
    for (const [id, s] of this.entries) if (isResident(s)) rows.push(toRow(id, s));
    return rows;
  }

  /** The id's slot, with or without its payload, without counting a use (for the hot layer's fencing). */
  slot(id: string): Slot | undefined {
    return this.entries.get(id);
  }

  /** Forgets every entry and the list string. */
  clear() {
    this.gen++;
    this.entries.clear();
    this.lru.clear();
    this.dropList();
    this.jsonBytes = 0;
  }

  set(id: string, e: Entry) {
    const previous = this.entries.get(id);
    this.gen++;
    this.jsonBytes += stringBytes(e.json) - (isResident(previous) ? stringBytes(previous.json) : 0);
    this.entries.set(id, e);
    this.use(id);
    this.dropList();
  }

  remove(id: string) {
    const s = this.entries.get(id);
    if (!s) return;
    this.gen++;
    if (isResident(s)) this.jsonBytes -= stringBytes(s.json);
    this.entries.delete(id);
    this.lru.delete(id);
    this.dropList();
  }

  /** Keeps what fencing and freshness need; the JSON and parsed object go (D1 has them). */
  private evict(id: string) {
    const e = this.peek(id);
    if (!e) return;
    this.gen++;
    // guard: stub-forgets-its-write-counter
    this.entries.set(id, { cachedAt: e.cachedAt, version: e.version, writtenAtSeq: e.writtenAtSeq, etag: etagOf(e) });
    this.jsonBytes -= stringBytes(e.json);
    this.lru.delete(id);
    this.evictions++;
  }

  /** Moves `id` to the most recently used end. */
  use(id: string) {
    this.lru.delete(id);
    this.lru.add(id);
  }

  private dropList() {
    this.listJson = null;
    this.listEtags = "{}";
    this.listBytes = 0;
  }
}
