import { CACHE } from "../core/cache-status";
import type { CacheAnswer, CoordinatorResult } from "../core/contract";
import { REPLAYED_HEADER } from "../core/protocol";
import { newTiming } from "../core/timing";

/** What a write learns from its key: the create marker to use, and whether an earlier attempt may have sent it. */
export interface Attempt {
  /** The create marker (`metadata.vapiEdgeCacheCreateId`) of this key's create. */
  marker: string;
  /** ISO time from which to look for the marked assistant (a minute before the first attempt). */
  since: string;
  /** An earlier attempt under this key may have reached Vapi with no known outcome: look before sending. */
  resumed: boolean;
}


interface Row {
  fingerprint: string;
  state: "running" | "done";
  answer: string | null;
  marker: string;
  since: string;
}

/** A fresh attempt: a new marker, nothing sent yet. */
export const freshAttempt = (): Attempt => ({
  marker: crypto.randomUUID(),
  // Vapi's clock may differ from ours: look back a generous minute.
  since: new Date(Date.now() - 60_000).toISOString(),
  resumed: false,
});

/** Canonical JSON (object keys sorted), so the same body in another key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The request a key stands for: method, target and a SHA-256 of the canonical body. */
export async function fingerprint(method: string, target: string, body?: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical(body ?? null)));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${method} ${target} ${hex}`;
}

const reused = (): CoordinatorResult => ({
  ok: false,
  error: {
    status: 422,
    code: "idempotency_key_reused",
    message: "This Idempotency-Key was used for a different request; use a new key for a new request.",
  },
});

/** Another request's result, answered to a duplicate: marked as replayed. */
function replayed(result: CoordinatorResult): CoordinatorResult {
  if (result.ok) return { ok: true, answer: { ...result.answer, replayed: true } };
  return { ok: false, error: { ...result.error, headers: { ...result.error.headers, [REPLAYED_HEADER]: "true" } } };
}

/**
 * Exactly-once writes (issue 21, docs/api.md "Idempotency-Key"): the user's keys, in the
 * coordinator's own SQLite storage (so per user by construction, and durable across eviction).
 * A key's first request runs; a duplicate that arrives while it runs waits for it and gets its
 * answer; one that arrives later gets the stored answer; a different request under the key, 422.
 * Only successes are stored (a failure changed nothing in Vapi, so the key is released and a
 * retry runs again), except a create with no known outcome, which keeps its marker so that a
 * retry resolves that one create and never sends a second.
 */
export class IdempotencyKeys {
  private ready = false;
  /** Keys whose first request is running in this object's lifetime. */
  private readonly running = new Map<string, Promise<CoordinatorResult>>();

  constructor(
    private readonly ctx: DurableObjectState,
    /** Read per use, so a changed setting (or a test's) applies at once. */
    private readonly limits: () => { retentionMs: number; maxKeys: number },
  ) {}

  /**
   * Runs `work` once per key: `key` undefined runs it as is. Everything up to registering the
   * running request is synchronous, so concurrent duplicates cannot both start it.
   */
  run(key: string | undefined, print: string, work: (a: Attempt) => Promise<CoordinatorResult>): Promise<CoordinatorResult> {
    if (key === undefined) return work(freshAttempt());
    const sql = this.table();
    const now = Date.now();
    // guard: idem-keys-never-expire
    sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", now);
    const row = sql.exec<Row & Record<string, SqlStorageValue>>(
      "SELECT fingerprint, state, answer, marker, since FROM idempotency WHERE key = ?", key,
    ).toArray()[0];
    // guard: idem-a-reused-key-runs-a-different-request
    if (row && row.fingerprint !== print) return Promise.resolve(reused());
    const first = this.running.get(key);
    // guard: idem-a-duplicate-does-not-wait-for-the-first
    if (first) return first.then(replayed);
    if (row?.state === "done" && row.answer !== null) return Promise.resolve(replay(JSON.parse(row.answer) as Stored));
    // No row: a new key. A running row with nothing running here: its request died with an
    // earlier life of this object, or it was a create with no known outcome.
    const attempt: Attempt = row ? { marker: row.marker, since: row.since, resumed: true } : freshAttempt();
    if (!row) this.insert(key, print, attempt, now);
    const settled = work(attempt).then(
      (result) => {
        this.settle(key, result);
        return result;
      },
      (err: unknown) => {
        this.release(key);
        throw err;
      },
    );
    const tracked = settled.finally(() => this.running.delete(key));
    this.running.set(key, tracked);
    return tracked;
  }

  /**
   * Runs a write RPC once per `Idempotency-Key` and request (`method`, `target`, `body`): the
   * fingerprint is taken only when a key was sent.
   */
  async request(
    key: string | undefined,
    [method, target, body]: [string, string, unknown?],
    work: (a: Attempt) => Promise<CoordinatorResult>,
  ): Promise<CoordinatorResult> {
    return this.run(key, key === undefined ? "" : await fingerprint(method, target, body), work);
  }

  /** Forgets every key and stored answer (they hold the old org's assistants): the Vapi key changed or was removed. */
  forget() {
    this.table().exec("DELETE FROM idempotency");
  }

  private insert(key: string, print: string, a: Attempt, now: number) {
    const sql = this.table();
    const { retentionMs, maxKeys } = this.limits();
    sql.exec(
      "INSERT INTO idempotency (key, fingerprint, state, marker, since, created_at, expires_at) VALUES (?, ?, 'running', ?, ?, ?, ?)",
      key, print, a.marker, a.since, now, now + retentionMs,
    );
    // Bounded per user: past the limit the oldest keys go first (their retries then run anew).
    // guard: idem-keys-unbounded
    sql.exec(
      "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
      Math.max(1, maxKeys),
    );
  }

  private settle(key: string, result: CoordinatorResult) {
    if (result.ok && result.answer.status < 300) {
      const { status, body, etag } = result.answer;
      const stored: Stored = { status, body, etag };
      this.table().exec("UPDATE idempotency SET state = 'done', answer = ? WHERE key = ?", JSON.stringify(stored), key);
    // guard: idem-which-failures-release-their-key
    } else if (result.ok || result.error.code !== "vapi_create_unknown") {
      this.release(key);
    }
    // vapi_create_unknown: the row stays "running" with its marker; the next retry looks for it.
  }

  private release(key: string) {
    this.table().exec("DELETE FROM idempotency WHERE key = ?", key);
  }

  private table() {
    const sql = this.ctx.storage.sql;
    if (!this.ready) {
      sql.exec(`CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, answer TEXT,
        marker TEXT NOT NULL, since TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
      sql.exec("CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at)");
      this.ready = true;
    }
    return sql;
  }
}

/** What is kept of a successful answer: status, body and the headers that describe it. */
type Stored = Pick<CacheAnswer, "status" | "body" | "etag">;

/** A stored answer, served again without going to Vapi. */
function replay(s: Stored): CoordinatorResult {
  const cacheStatus = `${CACHE}; hit; detail=idempotent-replay`;
  return { ok: true, answer: { status: s.status, body: s.body, etag: s.etag, cacheStatus, timing: newTiming(), replayed: true } };
}
