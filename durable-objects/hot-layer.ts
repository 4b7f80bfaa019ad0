import type { CachedRow } from "../src/db/assistants";
import type { Assistant } from "../src/vapi/types";
import { etagOf } from "./etag";
import { type HotMemory, stringBytes } from "./hot-memory";

/**
 * One cached assistant: parsed, serialized once, and stamped for freshness and fencing. A new
 * version is a new Entry; only `cachedAt` changes in place (an unchanged revalidation), and no
 * validator depends on it.
 */
export interface Entry {
  assistant: Assistant;
  json: string;
  /** When this version was last fetched from Vapi, confirmed by a refresh, or written through (unix ms). */
  cachedAt: number;
  /** The assistant's Vapi `updatedAt`, in ms: versions never go backwards. */
  version: number;
  /** The write counter value of the last local write acknowledged for it; 0 if never written. */
  ackedAt: number;
}

/** What a refresh changed, for persisting to D1: only changed entries need a row written. */
export interface RefreshOutcome {
  upserted: Entry[];
  /** Entries confirmed unchanged (same version): `cachedAt` refreshed in memory only. */
  touched: number;
  dropped: string[];
}

/** One assistant a refresh applied: a new version (`changed`, its D1 row needs writing) or the held one confirmed. */
export interface Applied {
  entry: Entry;
  changed: boolean;
}

const versionOf = (a: Assistant) => Date.parse(a.updatedAt) || 0;

/**
 * An entry whose payload (JSON and parsed object) was dropped under the memory budget: what
 * fencing, freshness, validators and the complete-list rule need stays in memory.
 */
export interface Stub {
  cachedAt: number;
  version: number;
  ackedAt: number;
  /** The dropped payload's validator, so a refresh can still tell whether it changed. */
  etag: string;
  assistant?: undefined;
  json?: undefined;
}

type Slot = Entry | Stub;
const isResident = (s: Slot | undefined): s is Entry => s?.json !== undefined;

export const toRow = (id: string, e: Entry): CachedRow => ({
  id,
  json: e.json,
  cachedAt: e.cachedAt,
  updatedAt: e.version,
});

/**
 * The in-memory layer of one user's cache, and the fencing rules that keep it consistent while
 * refreshes (reads from Vapi) and acknowledged writes interleave across `await`s.
 *
 * A refresh records the write counter when it starts (`startAck`). When its answer arrives it
 * may replace or drop an entry only if the entry's last local write was acknowledged no later
 * than that; it never re-adds an id deleted after that, and never lowers a version.
 */
export class HotLayer {
  private entries = new Map<string, Slot>();
  /** Ids whose payload is in memory, least recently used first (a Set keeps insertion order). */
  private lru = new Set<string>();
  private evictions = 0;
  /** Deleted id → write counter value of the delete, kept while older refreshes are in flight. */
  private tombstones = new Map<string, number>();
  /** When the last complete list sync started (unix ms), or null if the list is unknown. */
  listSyncedAt: number | null = null;
  private listJson: string | null = null;
  private jsonBytes = 0;
  private listBytes = 0;

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
      const sorted = ([...this.entries.values()] as Entry[]).sort(
        (a, b) =>
          b.assistant.createdAt.localeCompare(a.assistant.createdAt) ||
          b.assistant.id.localeCompare(a.assistant.id),
      );
      this.listJson = `[${sorted.map((e) => e.json).join(",")}]`;
      this.listBytes = stringBytes(this.listJson);
    }
    return this.listJson;
  }

  /**
   * Fills the layer from D1 rows after a restart; they count as refresh results, not writes.
   *
   * A row is as fresh as the later of its own `cached_at` and the list-sync marker. An unchanged
   * revalidation writes only the marker, so rows it confirmed keep their older `cached_at`; the
   * marker vouches for them. That is sound because D1 follows memory in one ordered queue and the
   * marker (the sync's start, its fence time) is written in the same batch as the sync's changed
   * rows and deletions: every row it leaves behind holds at least what Vapi said at that time
   * (the version the sync confirmed or wrote, or a write acknowledged after the sync started,
   * whose `cached_at` is later anyway); an id deleted meanwhile has no row (the delete's batch,
   * queued earlier, removed it). A row written after the marker never lowers a version, so it is
   * newer still. Hence a row never looks fresher than what Vapi last confirmed about it.
   */
  hydrate(rows: CachedRow[], listSyncedAt: number | null) {
    for (const r of rows) {
      this.set(r.id, {
        assistant: JSON.parse(r.json) as Assistant,
        json: r.json,
        cachedAt: Math.max(r.cachedAt, listSyncedAt ?? 0),
        version: r.updatedAt,
        ackedAt: 0,
      });
    }
    this.listSyncedAt = listSyncedAt;
  }

  /**
   * Puts back payloads dropped under the budget from D1 rows: only where the id still holds a
   * dropped payload of exactly the row's version (anything else changed since, in memory first).
   */
  restore(rows: CachedRow[]) {
    for (const r of rows) {
      const s = this.entries.get(r.id);
      if (!s || isResident(s) || s.version !== r.updatedAt) continue;
      const assistant = JSON.parse(r.json) as Assistant;
      this.set(r.id, { assistant, json: r.json, cachedAt: s.cachedAt, version: s.version, ackedAt: s.ackedAt });
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

  /**
   * Records an acknowledged create or update and returns its entry. If a refresh already holds
   * a newer version (edited elsewhere while the write's answer was on its way), that one stays.
   */
  write(assistant: Assistant, ack: number, now: number): Entry {
    const entry = this.entry(assistant, now, ack);
    this.tombstones.delete(assistant.id);
    const current = this.entries.get(assistant.id);
    if (!current || current.version <= entry.version) this.set(assistant.id, entry);
    return entry;
  }

  /** Records an acknowledged delete; the tombstone fences refreshes that started before it. */
  delete(id: string, ack: number) {
    this.remove(id);
    this.tombstones.set(id, ack);
  }

  /**
   * Applies one assistant read from Vapi by a refresh that started at `startAck`. The same version
   * as the held one is only a confirmation: the entry keeps its JSON and parsed object (no
   * serialization, no list rebuild, no D1 row) and its `cachedAt` moves forward.
   */
  applyOne(assistant: Assistant, startAck: number, fetchedAt: number): Applied | undefined {
    const id = assistant.id;
    if ((this.tombstones.get(id) ?? -1) > startAck) return undefined;
    const current = this.entries.get(id);
    if (current && current.ackedAt > startAck) return undefined;
    const version = versionOf(assistant);
    if (current && current.version > version) return undefined;
    if (current && current.version === version) return this.touch(id, current, assistant, fetchedAt);
    const fresh = this.entry(assistant, fetchedAt, 0);
    this.set(id, fresh);
    return { entry: fresh, changed: true };
  }

  /**
   * Applies "Vapi says this id does not exist" from a refresh that started at `startAck`; with
   * `tombstone`, older refreshes still in flight may not re-add it either. True if it was held.
   */
  applyGone(id: string, startAck: number, tombstone?: number): boolean {
    const current = this.entries.get(id);
    if (current && current.ackedAt > startAck) return false;
    if (tombstone !== undefined) this.tombstones.set(id, tombstone);
    if (!current) return false;
    this.remove(id);
    return true;
  }

  /**
   * Applies a complete list (every page) read by a refresh that started at `startAck`; ids it
   * drops get `tombstone`, so an older per-id read in flight cannot bring them back.
   */
  applyList(items: Assistant[], startAck: number, fetchedAt: number, tombstone: number): RefreshOutcome {
    const upserted: Entry[] = [];
    let touched = 0;
    const seen = new Set<string>();
    for (const a of items) {
      seen.add(a.id);
      const applied = this.applyOne(a, startAck, fetchedAt);
      if (applied?.changed) upserted.push(applied.entry);
      else if (applied) touched++;
    }
    const dropped: string[] = [];
    for (const id of [...this.entries.keys()]) {
      if (!seen.has(id) && this.applyGone(id, startAck, tombstone)) dropped.push(id);
    }
    this.listSyncedAt = fetchedAt;
    return { upserted, touched, dropped };
  }

  /** Forgets tombstones that no refresh still in flight could need. */
  pruneTombstones(oldestRefreshStart: number) {
    for (const [id, ack] of this.tombstones) if (ack <= oldestRefreshStart) this.tombstones.delete(id);
  }

  clear() {
    this.entries.clear();
    this.tombstones.clear();
    this.listSyncedAt = null;
    this.dropList();
    this.lru.clear();
    this.jsonBytes = 0;
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

  /**
   * A refresh confirmed the held version: fresher, but nothing to persist, and nothing to
   * serialize unless its payload had been dropped (then the confirmed copy brings it back).
   */
  private touch(id: string, current: Slot, assistant: Assistant, fetchedAt: number): Applied {
    const cachedAt = Math.max(current.cachedAt, fetchedAt);
    if (!isResident(current)) {
      const entry = this.entry(assistant, cachedAt, current.ackedAt);
      this.set(id, entry);
      return { entry, changed: false };
    }
    current.cachedAt = cachedAt;
    this.use(id);
    return { entry: current, changed: false };
  }

  private entry(assistant: Assistant, cachedAt: number, ackedAt: number): Entry {
    return { assistant, json: JSON.stringify(assistant), cachedAt, version: versionOf(assistant), ackedAt };
  }

  private set(id: string, e: Entry) {
    const previous = this.entries.get(id);
    this.jsonBytes += stringBytes(e.json) - (isResident(previous) ? stringBytes(previous.json) : 0);
    this.entries.set(id, e);
    this.use(id);
    this.dropList();
  }

  private remove(id: string) {
    const s = this.entries.get(id);
    if (!s) return;
    if (isResident(s)) this.jsonBytes -= stringBytes(s.json);
    this.entries.delete(id);
    this.lru.delete(id);
    this.dropList();
  }

  /** Keeps what fencing and freshness need; the JSON and parsed object go (D1 has them). */
  private evict(id: string) {
    const e = this.peek(id);
    if (!e) return;
    this.entries.set(id, { cachedAt: e.cachedAt, version: e.version, ackedAt: e.ackedAt, etag: etagOf(e) });
    this.jsonBytes -= stringBytes(e.json);
    this.lru.delete(id);
    this.evictions++;
  }

  /** Moves `id` to the most recently used end. */
  private use(id: string) {
    this.lru.delete(id);
    this.lru.add(id);
  }

  private dropList() {
    this.listJson = null;
    this.listBytes = 0;
  }
}
