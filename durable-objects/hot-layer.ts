import type { Resource, VapiItem } from "../core/resource";
import type { CachedRow } from "../src/db/cache-rows";
import { type Entry, EntryStore, type HotMemory, isResident, type Slot } from "./entry-store";

export { type Entry, type Stub, toRow } from "./entry-store";

/** What a refresh changed, for persisting to D1: only changed entries need a row written. */
export interface RefreshOutcome {
  upserted: Entry[];
  /** Entries confirmed unchanged (same version): `cachedAt` refreshed in memory only. */
  touched: number;
  dropped: string[];
}

/** One item a refresh applied: a new version (`changed`, its D1 row needs writing) or the held one confirmed. */
export interface Applied {
  entry: Entry;
  changed: boolean;
}

/**
 * The in-memory layer of one user's cache, and the fencing rules that keep it consistent while
 * refreshes (reads from Vapi) and acknowledged writes interleave across `await`s.
 *
 * A refresh records the write counter when it starts (`startSeq`). When its answer arrives it
 * may replace or drop an entry only if the entry's last local write was acknowledged no later
 * than that; it never re-adds an id deleted after that, and never lowers a version.
 *
 * It holds one resource's items (`resource`: their id, version and list order) in an EntryStore
 * it owns: reads go straight to the store; every change goes through the fencing rules here.
 */
export class HotLayer {
  private readonly store: EntryStore;
  /** Deleted id → write counter value of the delete, kept while older refreshes are in flight. */
  private tombstones = new Map<string, number>();
  /** Tombstones kept now (the test hook checks they do not pile up). */
  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** When the last complete list sync started (unix ms), or null if the list is unknown. */
  listSyncedAt: number | null = null;

  /**
   * Moves with every change of what the layer holds (an entry, its version or payload, its fence),
   * not with a confirmation that only moves freshness: equal values mean nothing changed between
   * (the refresher's unchanged-list check). The store counts them (entry-store.ts).
   */
  get generation(): number {
    return this.store.generation;
  }

  constructor(readonly resource: Resource) {
    this.store = new EntryStore(resource);
  }

  // Reads: the store's (payloads, validators, the list string, the memory they take).
  get size() {
    return this.store.size;
  }
  memory(): HotMemory {
    return this.store.memory();
  }
  get(id: string): Entry | undefined {
    return this.store.get(id);
  }
  peek(id: string): Entry | undefined {
    return this.store.peek(id);
  }
  has(id: string): boolean {
    return this.store.has(id);
  }
  etag(id: string): string | undefined {
    return this.store.etag(id);
  }
  /** The version held for an id, with or without its payload. */
  version(id: string): number | undefined {
    return this.store.slot(id)?.version;
  }
  evicted(ids?: string[]): string[] {
    return this.store.evicted(ids);
  }
  listArrayJson(): string {
    return this.store.listArrayJson();
  }
  listEtagsJson(): string {
    return this.store.listEtagsJson();
  }
  ids(): string[] {
    return this.store.ids();
  }
  rows(): CachedRow[] {
    return this.store.rows();
  }
  /** Payloads back from D1, and payloads dropped under the budget: neither changes a version. */
  restore(rows: CachedRow[]) {
    this.store.restore(rows);
  }
  trim(maxBytes: number, pinned?: ReadonlyMap<string, unknown>): number {
    return this.store.trim(maxBytes, pinned);
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
      this.store.set(r.id, {
        item: JSON.parse(r.json) as VapiItem,
        json: r.json,
        // guard: rehydration-ignores-the-list-sync-marker
        cachedAt: Math.max(r.cachedAt, listSyncedAt ?? 0),
        version: r.updatedAt,
        writtenAtSeq: 0,
      });
    }
    this.listSyncedAt = listSyncedAt;
  }

  /**
   * Records an acknowledged create or update and returns its entry. If a refresh already holds
   * a newer version (edited elsewhere while the write's answer was on its way), that one stays.
   */
  write(item: VapiItem, seq: number, now: number): Entry {
    const entry = this.entry(item, now, seq);
    this.tombstones.delete(item.id);
    const current = this.store.slot(item.id);
    // guard: write-answer-may-lower-the-version
    if (!current || current.version <= entry.version) this.store.set(item.id, entry);
    return entry;
  }

  /** Records an acknowledged delete; the tombstone fences refreshes that started before it. */
  delete(id: string, seq: number) {
    // guard: delete-leaves-no-tombstone
    this.store.remove(id);
    this.tombstones.set(id, seq);
  }

  /**
   * Applies one item read from Vapi by a refresh that started at `startSeq`. The same version
   * as the held one is only a confirmation: the entry keeps its JSON and parsed object (no
   * serialization, no list rebuild, no D1 row) and its `cachedAt` moves forward.
   */
  applyOne(item: VapiItem, startSeq: number, fetchedAt: number): Applied | undefined {
    const id = item.id;
    // guard: refresh-ignores-tombstones
    if ((this.tombstones.get(id) ?? -1) > startSeq) return undefined;
    const current = this.store.slot(id);
    // guard: refresh-skips-the-write-counter-fence
    if (current && current.writtenAtSeq > startSeq) return undefined;
    const version = this.resource.version(item);
    // guard: refresh-skips-the-version-check
    if (current && current.version > version) return undefined;
    // guard: unchanged-revalidation-rewrites-the-entry
    if (current && current.version === version) return this.touch(id, current, item, fetchedAt);
    const fresh = this.entry(item, fetchedAt, 0);
    this.store.set(id, fresh);
    return { entry: fresh, changed: true };
  }

  /**
   * Applies "Vapi says this id does not exist" from a refresh that started at `startSeq`; with
   * `tombstone`, older refreshes still in flight may not re-add it either. True if it was held.
   */
  applyGone(id: string, startSeq: number, tombstone?: number): boolean {
    const current = this.store.slot(id);
    // guard: drop-skips-the-write-counter-fence
    if (current && current.writtenAtSeq > startSeq) return false;
    if (tombstone !== undefined) this.tombstones.set(id, tombstone);
    if (!current) return false;
    this.store.remove(id);
    return true;
  }

  /**
   * Applies a complete list (every page) read by a refresh that started at `startSeq`; ids it
   * drops get `tombstone`, so an older per-id read in flight cannot bring them back.
   */
  applyList(items: VapiItem[], startSeq: number, fetchedAt: number, tombstone: number): RefreshOutcome {
    const upserted: Entry[] = [];
    let touched = 0;
    const seen = new Set<string>();
    for (const a of items) {
      seen.add(a.id);
      const applied = this.applyOne(a, startSeq, fetchedAt);
      if (applied?.changed) upserted.push(applied.entry);
      else if (applied) touched++;
    }
    const dropped: string[] = [];
    for (const id of this.store.ids()) {
      // guard: list-drop-leaves-no-tombstone
      if (!seen.has(id) && this.applyGone(id, startSeq, tombstone)) dropped.push(id);
    }
    this.listSyncedAt = fetchedAt;
    return { upserted, touched, dropped };
  }

  /**
   * What `applyList` does with a list that holds exactly the held entries at their held versions
   * (the refresher's unchanged list): every entry confirmed, fresher; nothing else changes.
   */
  confirmList(fetchedAt: number) {
    for (const id of this.store.ids()) {
      const current = this.store.slot(id)!;
      current.cachedAt = Math.max(current.cachedAt, fetchedAt);
      if (isResident(current)) this.store.use(id);
    }
    this.listSyncedAt = fetchedAt;
  }

  /**
   * Stops trusting the held version (an item it names was deleted: relations.ts) without changing
   * it: it is past every freshness window, so its next read asks Vapi, and `seq` (a write counter
   * value, as for a write) keeps a refresh begun before now from vouching for it again.
   */
  distrust(id: string, seq: number): boolean {
    const current = this.store.slot(id);
    if (!current) return false;
    current.cachedAt = 0;
    this.store.changed();
    // guard: relations-distrust-skips-the-fence
    current.writtenAtSeq = seq;
    return true;
  }

  /** Forgets tombstones that no refresh still in flight could need. */
  pruneTombstones(oldestRefreshStart: number) {
    // guard: prune-every-tombstone
    for (const [id, seq] of this.tombstones) if (seq <= oldestRefreshStart) this.tombstones.delete(id);
  }

  clear() {
    this.store.clear();
    this.tombstones.clear();
    this.listSyncedAt = null;
  }

  /**
   * A refresh confirmed the held version: fresher, but nothing to persist, and nothing to
   * serialize unless its payload had been dropped (then the confirmed copy brings it back).
   */
  private touch(id: string, current: Slot, item: VapiItem, fetchedAt: number): Applied {
    const cachedAt = Math.max(current.cachedAt, fetchedAt);
    if (!isResident(current)) {
      const entry = this.entry(item, cachedAt, current.writtenAtSeq);
        this.store.set(id, entry);
      return { entry, changed: false };
    }
    current.cachedAt = cachedAt;
    this.store.use(id);
    return { entry: current, changed: false };
  }

  private entry(item: VapiItem, cachedAt: number, writtenAtSeq: number): Entry {
    return { item, json: JSON.stringify(item), cachedAt, version: this.resource.version(item), writtenAtSeq };
  }
}
