import type { Resource } from "../../core/resource";

// Typed D1 statements for the durable cache of one resource (its `table` and `listSyncTable`;
// assistants': migrations/0002_assistants_cache.sql). The coordinator batches them per
// operation, and runs them through one ordered queue, so D1 follows memory in order.

/** A cached item as the coordinator persists it. */
export interface CachedRow {
  id: string;
  json: string;
  cachedAt: number;
  updatedAt: number;
}

/**
 * D1 takes at most 2 MB per bound value (and 100 KB of SQL text, which the bulk statement's fixed
 * text never approaches, since the rows travel in the bound value). The margin leaves room for
 * D1's own accounting.
 */
export const BULK_PARAM_MAX_BYTES = 1_900_000;

/** Rows to write together: one JSON array bound to the bulk upsert, or one row too big for it. */
export type RowChunk = { bulk: string } | { one: CachedRow };

const encoder = new TextEncoder();

/** UTF-8 length of `s`: what D1 counts against its per-value limit. */
export const utf8Bytes = (s: string): number => encoder.encode(s).byteLength;

/**
 * Packs rows into as few bound JSON arrays of `[id, json, cachedAt, updatedAt]` tuples as fit in
 * `maxBytes` each, in order; a row whose tuple alone does not fit gets its own statement.
 * `json` travels as a JSON string, so D1 stores it byte-identical to the entry's serialization.
 */
export function chunkRows(rows: CachedRow[], maxBytes = BULK_PARAM_MAX_BYTES): RowChunk[] {
  const chunks: RowChunk[] = [];
  let tuples: string[] = [];
  let bytes = 2; // the array's brackets
  const flush = () => {
    if (tuples.length) chunks.push({ bulk: `[${tuples.join(",")}]` });
    tuples = [];
    bytes = 2;
  };
  for (const row of rows) {
    const tuple = JSON.stringify([row.id, row.json, row.cachedAt, row.updatedAt]);
    const size = utf8Bytes(tuple) + 1; // and its comma
    if (size + 2 > maxBytes) {
      chunks.push({ one: row });
      continue;
    }
    if (bytes + size > maxBytes) flush();
    tuples.push(tuple);
    bytes += size;
  }
  flush();
  return chunks;
}

const toCachedRow = (r: Record<string, unknown>): CachedRow => ({
  id: String(r.id),
  json: String(r.vapi_data),
  cachedAt: Number(r.cached_at),
  updatedAt: Number(r.updated_at),
});

/** The cache rows of one resource; every statement is scoped by `user_id` (invariant 8). */
export class CacheRows {
  private readonly t: string;
  private readonly sync: string;

  constructor(resource: Pick<Resource, "table" | "listSyncTable">) {
    // Names from a descriptor in code, never from a request; checked anyway, as they go into SQL text.
    for (const name of [resource.table, resource.listSyncTable]) {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`not a table name: ${name}`);
    }
    this.t = resource.table;
    this.sync = resource.listSyncTable;
  }

  /** Upsert that never lowers `updated_at`: a late, older version cannot land on a newer one. */
  upsert(db: D1Database, userId: string, row: CachedRow) {
    const t = this.t;
    return db
      // guard: d1-upsert-may-lower-updated-at
      .prepare(
        `INSERT INTO ${t} (user_id, id, vapi_data, cached_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (user_id, id) DO UPDATE SET vapi_data = excluded.vapi_data,
         cached_at = excluded.cached_at, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= ${t}.updated_at`,
      )
      .bind(userId, row.id, row.json, row.cachedAt, row.updatedAt);
  }

  /**
   * Upserts `rows` in as few statements as D1's limits allow (a list sync or a repair of N rows
   * would otherwise be N statements, against D1's 1000 queries per invocation).
   */
  // guard: bulk-upsert
  upsertMany(db: D1Database, userId: string, rows: CachedRow[]): D1PreparedStatement[] {
    return chunkRows(rows).map((c) => ("bulk" in c ? this.upsertBulk(db, userId, c.bulk) : this.upsert(db, userId, c.one)));
  }

  delete(db: D1Database, userId: string, id: string) {
    return db.prepare(`DELETE FROM ${this.t} WHERE user_id = ? AND id = ?`).bind(userId, id);
  }

  /** Marks the user's rows of `ids` as fetched never, so a rehydration does not take them as fresh. */
  expire(db: D1Database, userId: string, ids: string[]) {
    return db
      .prepare(`UPDATE ${this.t} SET cached_at = 0 WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`)
      .bind(userId, JSON.stringify(ids));
  }

  /** Removes every row of the user whose id is not in `keep` (items gone from Vapi). */
  deleteExcept(db: D1Database, userId: string, keep: string[]) {
    return db
      .prepare(
        // guard: list-sync-deletes-without-user-id
        `DELETE FROM ${this.t} WHERE user_id = ? AND id NOT IN (SELECT value FROM json_each(?))`,
      )
      .bind(userId, JSON.stringify(keep));
  }

  /** Forgets that the user's list was ever synced (the rows stay). */
  deleteListSync(db: D1Database, userId: string) {
    return db.prepare(`DELETE FROM ${this.sync} WHERE user_id = ?`).bind(userId);
  }

  deleteAll(db: D1Database, userId: string) {
    return [
      // guard: cache-drop-deletes-without-user-id
      db.prepare(`DELETE FROM ${this.t} WHERE user_id = ?`).bind(userId),
      db.prepare(`DELETE FROM ${this.sync} WHERE user_id = ?`).bind(userId),
    ];
  }

  markListSynced(db: D1Database, userId: string, syncedAt: number) {
    return db
      .prepare(
        `INSERT INTO ${this.sync} (user_id, synced_at) VALUES (?1, ?2)
       ON CONFLICT (user_id) DO UPDATE SET synced_at = ?2`,
      )
      .bind(userId, syncedAt);
  }

  /** The user's rows for `ids` (one statement), to bring back payloads dropped under the memory budget. */
  async load(db: D1Database, userId: string, ids: string[]): Promise<CachedRow[]> {
    const { results } = await db
      .prepare(
        `SELECT id, vapi_data, cached_at, updated_at FROM ${this.t}
       WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`,
      )
      .bind(userId, JSON.stringify(ids))
      .all<Record<string, unknown>>();
    return results.map(toCachedRow);
  }

  /**
   * What the durable cache holds for the user, for rehydration after eviction: two statements for
   * the coordinator's start batch (d1-trust.ts), whose results `loaded` reads.
   */
  loadStatements(db: D1Database, userId: string): [D1PreparedStatement, D1PreparedStatement] {
    return [
      db
        .prepare(
          // guard: rehydration-loads-without-user-id
          `SELECT id, vapi_data, cached_at, updated_at FROM ${this.t} WHERE user_id = ?`,
        )
        .bind(userId),
      db.prepare(`SELECT synced_at FROM ${this.sync} WHERE user_id = ?`).bind(userId),
    ];
  }

  /** The rows and the list-sync marker, from the results of `loadStatements`. */
  static loaded(rows: D1Result<Record<string, unknown>> | undefined, marker: D1Result<Record<string, unknown>> | undefined) {
    return {
      rows: (rows?.results ?? []).map(toCachedRow),
      listSyncedAt: marker?.results[0] ? Number(marker.results[0].synced_at) : null,
    };
  }

  /**
   * Upserts many rows in one statement, with the same never-lower-`updated_at` guard. `WHERE true`
   * resolves SQLite's parsing ambiguity of `INSERT … SELECT … FROM t ON CONFLICT` (ON read as a join).
   */
  private upsertBulk(db: D1Database, userId: string, tuples: string) {
    const t = this.t;
    return db
      // guard: d1-bulk-upsert-may-lower-updated-at
      .prepare(
        `INSERT INTO ${t} (user_id, id, vapi_data, cached_at, updated_at)
       SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?2) WHERE true
       ON CONFLICT (user_id, id) DO UPDATE SET vapi_data = excluded.vapi_data,
         cached_at = excluded.cached_at, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= ${t}.updated_at`,
      )
      .bind(userId, tuples);
  }
}
