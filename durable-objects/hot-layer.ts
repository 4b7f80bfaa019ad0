import type { CachedRow } from "../src/db/assistants";
import type { Assistant } from "../src/vapi/types";
import { type Entry, EntryStore, isResident, type Slot } from "./entry-store";

export { type Entry, type Stub, toRow } from "./entry-store";

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
 * The in-memory layer of one user's cache, and the fencing rules that keep it consistent while
 * refreshes (reads from Vapi) and acknowledged writes interleave across `await`s.
 *
 * A refresh records the write counter when it starts (`startAck`). When its answer arrives it
 * may replace or drop an entry only if the entry's last local write was acknowledged no later
 * than that; it never re-adds an id deleted after that, and never lowers a version.
 */
export class HotLayer extends EntryStore {
  /** Deleted id → write counter value of the delete, kept while older refreshes are in flight. */
  private tombstones = new Map<string, number>();
  /** Tombstones kept now (the test hook checks they do not pile up). */
  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** When the last complete list sync started (unix ms), or null if the list is unknown. */
  listSyncedAt: number | null = null;

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
        // guard: rehydration-ignores-the-list-sync-marker
        cachedAt: Math.max(r.cachedAt, listSyncedAt ?? 0),
        version: r.updatedAt,
        ackedAt: 0,
      });
    }
    this.listSyncedAt = listSyncedAt;
  }

  /**
   * Records an acknowledged create or update and returns its entry. If a refresh already holds
   * a newer version (edited elsewhere while the write's answer was on its way), that one stays.
   */
  write(assistant: Assistant, ack: number, now: number): Entry {
    const entry = this.entry(assistant, now, ack);
    this.tombstones.delete(assistant.id);
    const current = this.entries.get(assistant.id);
    // guard: write-answer-may-lower-the-version
    if (!current || current.version <= entry.version) this.set(assistant.id, entry);
    return entry;
  }

  /** Records an acknowledged delete; the tombstone fences refreshes that started before it. */
  delete(id: string, ack: number) {
    // guard: delete-leaves-no-tombstone
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
    // guard: refresh-ignores-tombstones
    if ((this.tombstones.get(id) ?? -1) > startAck) return undefined;
    const current = this.entries.get(id);
    // guard: refresh-skips-the-write-counter-fence
    if (current && current.ackedAt > startAck) return undefined;
    const version = versionOf(assistant);
    // guard: refresh-skips-the-version-check
    if (current && current.version > version) return undefined;
    // guard: unchanged-revalidation-rewrites-the-entry
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
    // guard: drop-skips-the-write-counter-fence
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
      // guard: list-drop-leaves-no-tombstone
      if (!seen.has(id) && this.applyGone(id, startAck, tombstone)) dropped.push(id);
    }
    this.listSyncedAt = fetchedAt;
    return { upserted, touched, dropped };
  }

  /** Forgets tombstones that no refresh still in flight could need. */
  pruneTombstones(oldestRefreshStart: number) {
    // guard: prune-every-tombstone
    for (const [id, ack] of this.tombstones) if (ack <= oldestRefreshStart) this.tombstones.delete(id);
  }

  clear() {
    this.clearEntries();
    this.tombstones.clear();
    this.listSyncedAt = null;
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


}
