// Single-point mutations of the guards, for `npm run mutants`. Each removes or weakens one guard;
// `tests` are the worker test files that must notice. Each finds its place by the marker
// `// guard: <guard>` on the line before the guard in `file` (scripts/guards.ts), and replaces
// `find` only within the `lines` lines after it (default 1), so a refactor that keeps the marker
// beside its guard keeps the mutation working; a missing marker or a find that no longer matches
// exactly once there fails loudly before anything runs. docs/architecture.md names the test that
// kills each one.
import type { GuardEdit } from "./guards.ts";

export interface Mutant extends GuardEdit {
  name: string;
  file: string;
  tests: string[];
}

const T = (...names: string[]) => names.map((n) => `test/worker/${n}.test.ts`);
const HOT = "durable-objects/hot-layer.ts";
const STORE = "durable-objects/entry-store.ts";
const BUNDLE = "durable-objects/bundle.ts";
const KEY = "durable-objects/vapi-key.ts";
const ROUTES = "src/routes/resource.ts";
const REFRESH = "durable-objects/refresher.ts";
const DB = "src/db/cache-rows.ts";
const EVENTS = "src/routes/events.ts";
const SOCKETS = "durable-objects/sockets.ts";
const MERGE = "core/merge-patch.ts";
const READS = "durable-objects/read-through.ts";
const WRITES = "durable-objects/write-through.ts";
const IDEM = "durable-objects/idempotency.ts";

export const mutants: Mutant[] = [
  // Invariant 2: monotonic versions.
  { name: "D1 upsert may lower updated_at", file: DB, guard: "d1-upsert-may-lower-updated-at", lines: 8, find: "\n       WHERE excluded.updated_at >= ${t}.updated_at`,\n      )\n      .bind(userId, row.id", replace: "`,\n      )\n      .bind(userId, row.id", tests: T("fencing") },
  { name: "D1 bulk upsert may lower updated_at", file: DB, guard: "d1-bulk-upsert-may-lower-updated-at", lines: 8, find: "\n       WHERE excluded.updated_at >= ${t}.updated_at`,\n      )\n      .bind(userId, tuples)", replace: "`,\n      )\n      .bind(userId, tuples)", tests: T("bulk-upsert") },
  { name: "refresh skips the version check", file: HOT, guard: "refresh-skips-the-version-check", find: "    if (current && current.version > version) return undefined;\n", replace: "", tests: T("fencing") },
  { name: "write answer may lower the version", file: HOT, guard: "write-answer-may-lower-the-version", find: "if (!current || current.version <= entry.version) this.store.set(item.id, entry);", replace: "this.store.set(item.id, entry);", tests: T("fencing") },
  // Invariants 1 and 3: the write-counter fence and tombstones.
  { name: "refresh skips the write-counter fence", file: HOT, guard: "refresh-skips-the-write-counter-fence", find: "    if (current && current.writtenAtSeq > startSeq) return undefined;\n", replace: "", tests: T("hot-layer", "fencing") },
  { name: "drop skips the write-counter fence", file: HOT, guard: "drop-skips-the-write-counter-fence", find: "    if (current && current.writtenAtSeq > startSeq) return false;\n", replace: "", tests: T("fencing") },
  { name: "refresh ignores tombstones", file: HOT, guard: "refresh-ignores-tombstones", find: "    if ((this.tombstones.get(id) ?? -1) > startSeq) return undefined;\n", replace: "", tests: T("fencing") },
  { name: "delete leaves no tombstone", file: HOT, guard: "delete-leaves-no-tombstone", lines: 2, find: "    this.store.remove(id);\n    this.tombstones.set(id, seq);", replace: "    this.store.remove(id);", tests: T("fencing") },
  { name: "list drop leaves no tombstone", file: HOT, guard: "list-drop-leaves-no-tombstone", find: "this.applyGone(id, startSeq, tombstone)) dropped", replace: "this.applyGone(id, startSeq)) dropped", tests: T("fencing") },
  { name: "prune every tombstone", file: HOT, guard: "prune-every-tombstone", find: "if (seq <= oldestRefreshStart) this.tombstones.delete(id);", replace: "this.tombstones.delete(id);", tests: T("fencing") },
  { name: "per-id 404 leaves no tombstone", file: REFRESH, guard: "per-id-404-leaves-no-tombstone", find: "hot.applyGone(id, fence.writeSeq, ++this.writeSeq)", replace: "hot.applyGone(id, fence.writeSeq)", tests: T("fencing") },
  { name: "no pruning after a delete", file: WRITES, guard: "no-pruning-after-a-delete", find: "      refresher.pruneTombstones();\n", replace: "", tests: T("fencing") },
  { name: "a write's 404 leaves the cache as it was", file: WRITES, guard: "a-write-s-404-leaves-the-cache-as-it-was", find: "if (id !== undefined && err instanceof ApiError && err.status === 404) {", replace: "if (false) {", tests: T("fencing", "write-through") },
  // Unchanged revalidations (issue 12): no row rewrite, and rehydration still sees them fresh.
  { name: "unchanged revalidation rewrites the entry", file: HOT, guard: "unchanged-revalidation-rewrites-the-entry", find: "    if (current && current.version === version) return this.touch(id, current, item, fetchedAt);\n", replace: "", tests: T("unchanged-revalidation") },
  // Issue 23: a quiet revalidation soon after the last marker writes nothing, but changes always go to D1 with a marker.
  { name: "quiet revalidation skips changed rows", file: REFRESH, guard: "quiet-revalidation-d1-batch", lines: 2, find: "!cold && upserted.length === 0 && dropped.length === 0", replace: "!cold", tests: T("unchanged-revalidation") },
  { name: "unchanged revalidation never writes the marker", file: REFRESH, guard: "quiet-revalidation-d1-batch", lines: 2, find: "fence.at - this.markedAt < this.deps.config().ttlMs / 10", replace: "true", tests: T("unchanged-revalidation") },
  // Issue 23: an unchanged list is confirmed without applying it only when Vapi's bytes and the hot layer are both unchanged.
  { name: "unchanged list skips the generation check", file: REFRESH, guard: "unchanged-list-skips-the-generation-check", find: "answer.unchanged() && hot.generation === last.generation", replace: "answer.unchanged()", tests: T("unchanged-list") },
  { name: "a changed list confirmed", file: "src/vapi/list-answer.ts", guard: "a-changed-list-confirmed", find: "!this.differs && this.reads.length === this.known.length", replace: "this.reads.length === this.known.length", tests: T("unchanged-list") },
  { name: "rehydration ignores the list-sync marker", file: HOT, guard: "rehydration-ignores-the-list-sync-marker", find: "cachedAt: Math.max(r.cachedAt, listSyncedAt ?? 0),", replace: "cachedAt: r.cachedAt,", tests: T("unchanged-revalidation") },
  // Memory bound (issue 9): stubs keep the fence, and dropped payloads come back only from a trusted D1, for their version.
  { name: "stub forgets its write counter", file: STORE, guard: "stub-forgets-its-write-counter", find: "{ cachedAt: e.cachedAt, version: e.version, writtenAtSeq: e.writtenAtSeq, etag: etagOf(e) }", replace: "{ cachedAt: e.cachedAt, version: e.version, writtenAtSeq: 0, etag: etagOf(e) }", tests: T("memory-budget") },
  { name: "dropped payloads read from an untrusted D1", file: "durable-objects/memory-budget.ts", guard: "dropped-payloads-read-from-an-untrusted-d1", find: "    if (this.trust.untrusted) return false;\n", replace: "", tests: T("memory-budget") },
  { name: "dropped payload restored at another version", file: STORE, guard: "dropped-payload-restored-at-another-version", find: " || s.version !== r.updatedAt) continue;", replace: ") continue;", tests: T("hot-layer") },
  // Invariant 4: single-flight.
  { name: "single-flight never joins", file: "durable-objects/single-flight.ts", guard: "single-flight-never-joins", find: "const existing = this.flights.get(key);", replace: "const existing: Promise<T> | undefined = undefined;", tests: T("coalescing") },
  { name: "GET /:id ignores an in-flight list", file: READS, guard: "get-id-ignores-an-in-flight-list", find: "const listInFlight = flights.has(this.key(\"list\"));", replace: "const listInFlight = false;", tests: T("coalescing") },
  { name: "flights never expire", file: "durable-objects/single-flight.ts", guard: "flights-never-expire", find: "    if (!Number.isFinite(ms)) return work;\n", replace: "    return work;\n", tests: T("single-flight", "hung-upstream") },
  { name: "an abandoned list's late answer applied", file: REFRESH, guard: "an-abandoned-list-s-late-answer-applied", find: "      if (hot.listSyncedAt !== null && fence.at < hot.listSyncedAt) return;\n", replace: "", tests: T("hung-upstream") },
  // Conditional reads (issue 18): fetch adds no-cache/max-age=0 to them; only a read without a validator forces a revalidation.
  { name: "a conditional read forces a revalidation", file: "src/lib/rpc.ts", guard: "a-conditional-read-forces-a-revalidation", find: '  c.req.header("If-None-Match") === undefined &&\n', replace: "", tests: T("conditional-reads") },
  { name: "max-age=0 does not force a revalidation", file: "src/lib/rpc.ts", guard: "max-age-0-does-not-force-a-revalidation", find: "(no-cache|max-age=0)", replace: "(no-cache)", tests: T("conditional-reads") },
  // Preconditions are never blank (issue 18): refused unless well-formed and evaluated by the method.
  { name: "an empty entity-tag is a precondition", file: "src/lib/openapi.ts", guard: "an-empty-entity-tag-is-a-precondition", find: '\\x80-\\xff]+"`;', replace: '\\x80-\\xff]*"`;', tests: T("preconditions") },
  { name: "If-Match not validated", file: "src/lib/openapi.ts", guard: "if-match-not-validated", find: '"if-match": entityTags(', replace: '"if-match": ((description: string) => z.string().optional().openapi({ description }))(', tests: T("preconditions") },
  { name: "If-None-Match not validated", file: "src/lib/openapi.ts", guard: "if-none-match-not-validated", find: '"if-none-match": entityTags(', replace: '"if-none-match": ((description: string) => z.string().optional().openapi({ description }))(', tests: T("preconditions") },
  { name: "a precondition the method does not evaluate is ignored", file: "src/lib/openapi.ts", guard: "a-precondition-the-method-does-not-evaluate-is-ignored", find: ".regex(/(?!)/, ", replace: ".regex(/(?:)/, ", tests: T("preconditions") },
  // Bounded amplification (issue 18): unknown ids go through the one list sync; only a fresh list says "absent".
  { name: "a stale list vouches for unknown ids", file: READS, guard: "a-stale-list-vouches-for-unknown-ids", find: "if (!opts.noCache && unknown && !listInFlight && this.listFresh()) {", replace: "if (!opts.noCache && unknown && !listInFlight && hot.listSyncedAt !== null) {", tests: T("unknown-ids") },
  { name: "unknown ids read one by one", file: READS, guard: "unknown-ids-read-one-by-one", find: "const viaList = listInFlight || (unknown && !opts.noCache);", replace: "const viaList = listInFlight;", tests: T("unknown-ids") },
  { name: "key removal not rate limited", file: "src/routes/settings.ts", guard: "key-removal-not-rate-limited", lines: 2, find: "    if (limited) throw fromFailure(limited);\n    await coordinator(c).removeKey(", replace: "    await coordinator(c).removeKey(", tests: T("rate-limits") },
  // Guards no test pinned (issue 18 item 11).
  { name: "token cache serves expired tokens", file: "src/lib/token-cache.ts", guard: "token-cache-serves-expired-tokens", find: "    if (nowSeconds >= hit.exp) return undefined;\n", replace: "", tests: T("token-cache") },
  { name: "JWT sub of any length", file: "src/lib/jwt.ts", guard: "jwt-sub-of-any-length", find: "  if (sub.length > MAX_SUB_CHARS) throw", replace: "  if (false) throw", tests: T("token-policy") },
  { name: "depth scan ignores escapes in strings", file: "src/lib/json-limits.ts", guard: "depth-scan-ignores-escapes-in-strings", lines: 2, find: "      if (ch === BACKSLASH) i++;\n      else if", replace: "      if (false) i++;\n      else if", tests: T("parser-limits") },
  { name: "depth scan escapes only a quote after a backslash", file: "src/lib/json-limits.ts", guard: "depth-scan-ignores-escapes-in-strings", lines: 2, find: "      if (ch === BACKSLASH) i++;\n      else if", replace: "      if (ch === BACKSLASH && text.charCodeAt(i + 1) === QUOTE) i++;\n      else if", tests: T("parser-limits") },
  { name: "key re-encryption overwrites a key saved meanwhile", file: "src/db/settings.ts", guard: "key-re-encryption-overwrites-a-key-saved-meanwhile", lines: 2, find: "WHERE user_id = ?4 AND vapi_key_ciphertext = ?5", replace: "WHERE user_id = ?4 AND ?5 IS NOT NULL", tests: T("key-rotation") },
  // Invariant 5: serialized writes.
  { name: "writes not serialized", file: WRITES, guard: "writes-not-serialized", find: "const run = this.tail.then(work, work);", replace: "const run = work();", tests: T("serialized-writes") },
  // Invariant 6 and 10: D1 follows memory; a failed D1 write is recorded and repaired.
  { name: "D1 writer unordered", file: "durable-objects/d1-writer.ts", guard: "d1-writer-unordered", find: "const job = this.tail.then(async () => {", replace: "const job = Promise.resolve().then(async () => {", tests: T("d1-order") },
  { name: "D1 failure not recorded", file: "durable-objects/d1-trust.ts", guard: "d1-failure-not-recorded", find: "    this.ctx.storage.kv.put(UNTRUSTED_KEY, Date.now());\n", replace: "", tests: T("eviction") },
  // The one alarm (issue 19): a D1 failure's repair never pushes an earlier refresh-ahead later.
  { name: "D1 repair pushes an earlier alarm later", file: "durable-objects/d1-trust.ts", guard: "d1-repair-pushes-an-earlier-alarm-later", find: "await alarmNoLaterThan(this.ctx.storage, Date.now() + delay);", replace: "await this.ctx.storage.setAlarm(Date.now() + delay);", tests: T("refresh-ahead") },
  { name: "shared alarm not kept at the earliest", file: "durable-objects/alarm.ts", guard: "shared-alarm-not-kept-at-the-earliest", find: "if (current === null || current > at)", replace: "if (current !== at)", tests: T("refresh-ahead") },
  { name: "restart trusts a failed D1", file: "durable-objects/d1-trust.ts", guard: "restart-trusts-a-failed-d1", find: "const failed = this.untrusted;", replace: "const failed = false;", tests: T("eviction") },
  // Invariant 8: isolation in shared D1.
  { name: "cold list sync keeps rows memory never knew", file: REFRESH, guard: "cold-list-sync-keeps-rows-memory-never-knew", find: "...(dropped.length || cold ? [rows", replace: "...(dropped.length ? [rows", tests: T("d1-faults") },
  { name: "list sync deletes without user_id", file: DB, guard: "list-sync-deletes-without-user-id", find: "`DELETE FROM ${this.t} WHERE user_id = ? AND id NOT IN", replace: "`DELETE FROM ${this.t} WHERE ? IS NOT NULL AND id NOT IN", tests: T("cross-user") },
  { name: "rehydration loads without user_id", file: DB, guard: "rehydration-loads-without-user-id", find: "FROM ${this.t} WHERE user_id = ?`,", replace: "FROM ${this.t} WHERE ? IS NOT NULL`,", tests: T("cross-user") },
  { name: "cache drop deletes without user_id", file: DB, guard: "cache-drop-deletes-without-user-id", find: "db.prepare(`DELETE FROM ${this.t} WHERE user_id = ?`).bind(userId),", replace: "db.prepare(`DELETE FROM ${this.t} WHERE ? IS NOT NULL`).bind(userId),", tests: T("cross-user") },
  // Key changes: the key, its generation and the flight keys move together.
  { name: "key switched after the D1 await", file: KEY, guard: "key-switched-after-the-d1-await", lines: 3, find: "    keys.switchTo(key);\n    for (const { hot } of parts()) hot.clear();\n    await this.d.d1.run(parts().flatMap(({ rows }) => rows.deleteAll(this.d.env().DB, this.d.uid())));", replace: "    for (const { hot } of parts()) hot.clear();\n    await this.d.d1.run(parts().flatMap(({ rows }) => rows.deleteAll(this.d.env().DB, this.d.uid())));\n    keys.switchTo(key);", tests: T("key-change") },
  { name: "list results skip the generation check", file: REFRESH, guard: "list-results-skip-the-generation-check", lines: 2, find: "      this.assertGeneration(fence);\n      // A list begun before", replace: "      // A list begun before", tests: T("key-change") },
  { name: "per-id results skip the generation check", file: REFRESH, guard: "per-id-results-skip-the-generation-check", lines: 2, find: "      this.assertGeneration(fence);\n      const before = snapshot(hot, [id]);", replace: "      const before = snapshot(hot, [id]);", tests: T("key-change") },
  { name: "flight keys ignore the generation", file: READS, guard: "flight-keys-ignore-the-generation", find: "return `${this.d.keys.current.generation}:${this.d.hot.resource.name}:${name}`;", replace: "return `${this.d.hot.resource.name}:${name}`;", tests: T("key-change") },
  { name: "key read after the rehydration", file: "durable-objects/user-parts.ts", guard: "key-read-after-the-rehydration", find: "this.parts, selectSettings(this.env.DB, userId));", replace: "this.parts);", tests: T("eviction") },
  { name: "key read kept after a switch", file: "durable-objects/key-session.ts", guard: "key-read-kept-after-a-switch", find: "    if (!this.isCurrent(session)) throw new SessionChanged();\n", replace: "", tests: T("key-session") },
  // The events socket (issue 18): identity, origin, cap, open budget, and key changes forgetting the feed (`npm run mutants -- events:`).
  { name: "events: route forwards a client's X-Cache-User", file: EVENTS, guard: "events-route-forwards-a-client-s-x-cache-user", find: "headers.set(USER_HEADER, userId);", replace: "headers.set(USER_HEADER, c.req.header(USER_HEADER) ?? userId);", tests: T("socket-hygiene") },
  { name: "events: socket ignores Origin", file: EVENTS, guard: "events-socket-ignores-origin", find: "if (origin !== undefined && !originAllowed(origin, c)) {", replace: 'if (origin === "" && !originAllowed(origin, c)) {', tests: T("socket-hygiene") },
  { name: "events: socket opens not limited", file: EVENTS, guard: "events-socket-opens-not-limited", find: "const refused = await coordinator.admitSocket();", replace: "const refused = null;", tests: T("socket-hygiene") },
  { name: "events: no per-user socket cap", file: SOCKETS, guard: "events-no-per-user-socket-cap", find: "const excess = open.length + 1 - maxSockets;", replace: "const excess = 0;", tests: T("socket-hygiene") },
  { name: "events: socket cap closes the newest", file: SOCKETS, guard: "events-socket-cap-closes-the-newest", find: "orderOf(a) - orderOf(b)", replace: "orderOf(b) - orderOf(a)", tests: T("socket-hygiene") },
  { name: "events: key change keeps the log", file: KEY, guard: "events-key-change-keeps-the-log", find: "    events.forget();\n", replace: "", tests: T("key-forgets-feed") },
  { name: "events: key change takes no seq", file: "durable-objects/event-log.ts", guard: "events-key-change-takes-no-seq", find: "const seq = this.seq + 1;", replace: "const seq = this.seq;", tests: T("event-log", "key-forgets-feed") },
  // Guards the suite did not pin before issue 19 (each removed alone, every test still passed).
  { name: "merge patch replaces nested objects", file: MERGE, guard: "merge-patch-replaces-nested-objects", find: "else result[key] = mergePatch(result[key], value);", replace: "else result[key] = value;", tests: T("write-through") },
  { name: "nested patch never fetches the current version", file: MERGE, guard: "nested-patch-never-fetches-the-current-version", find: "(patch: Json) => Object.values(patch).some(isPlainObject)", replace: "(_patch: Json) => false", tests: T("write-through") },
  { name: "PATCH If-Match compares without fetching", file: BUNDLE, guard: "patch-if-match-compares-without-fetching", find: "needsBase(patch) || opts.ifMatch !== undefined ?", replace: "needsBase(patch) ?", tests: T("validators") },
  { name: "If-Match compares a stale base", file: READS, guard: "if-match-compares-a-stale-base", find: "if (!base || Date.now() - base.cachedAt >= this.d.config().ttlMs) {", replace: "if (!base) {", tests: T("validators") },
  { name: "If-Match never fetches a missing base", file: READS, guard: "if-match-compares-a-stale-base", find: "if (!base || Date.now() - base.cachedAt >= this.d.config().ttlMs) {", replace: "if (false) {", tests: T("validators") },
  { name: "DELETE If-Match not compared", file: BUNDLE, guard: "delete-if-match-not-compared", find: "if (!matches(opts.ifMatch, etagOf(base), false)) return preconditionFailed(this.resource, base, timing);", replace: "", tests: T("validators") },
  { name: "stale-if-error serves the entry as it was", file: READS, guard: "stale-if-error-serves-the-entry-as-it-was", find: "if (stale && now) return oneAnswer(hot.resource, now,", replace: "if (stale && cached) return oneAnswer(hot.resource, cached,", tests: T("stale-if-error") },
  { name: "a seq the log never issued is not resynced", file: "durable-objects/event-log.ts", guard: "a-seq-the-log-never-issued-is-not-resynced", find: "if (after < oldest - 1 || after > seq) send(", replace: "if (after < oldest - 1) send(", tests: T("live-updates") },
  { name: "Vapi's time not counted in Server-Timing", file: "durable-objects/upstream.ts", guard: "vapi-s-time-not-counted-in-server-timing", find: "      timing.vapi += Date.now() - started;\n", replace: "", tests: T("observability") },
  // Own writes in the feed (issue 18): the client id is bounded before it is stored in the event log.
  // Exactly-once creates (issue 21): an unknown outcome ends the list's completeness; only this create's marker resolves it.
  { name: "idem: unknown create keeps the list complete", file: BUNDLE, guard: "unknown-create-keeps-the-list-complete", find: 'if (err instanceof ApiError && err.code === "vapi_create_unknown")', replace: "if (false)", tests: T("create-unknown") },
  { name: "idem: lost create matches any marked assistant", file: "src/vapi/create-marker.ts", guard: "idem-lost-create-matches-any-marked-assistant", find: "(meta as Record<string, unknown>)[CREATE_MARKER] === marker", replace: "CREATE_MARKER in (meta as Record<string, unknown>)", tests: T("create-unknown") },
  // Idempotency-Key (issue 21): `npm run mutants -- idem:`.
  { name: "idem: a reused key runs a different request", file: IDEM, guard: "idem-a-reused-key-runs-a-different-request", find: "    if (row && row.fingerprint !== print) return Promise.resolve(reused());\n", replace: "", tests: T("idempotency") },
  { name: "idem: a duplicate does not wait for the first", file: IDEM, guard: "idem-a-duplicate-does-not-wait-for-the-first", find: "    if (first) return first.then(replayed);\n", replace: "", tests: T("idempotency") },
  { name: "idem: a failed write keeps its key", file: IDEM, guard: "idem-which-failures-release-their-key", lines: 4, find: "      this.release(key);\n    }\n    // vapi_create_unknown", replace: "    }\n    // vapi_create_unknown", tests: T("idempotency") },
  { name: "idem: an unknown create releases its key", file: IDEM, guard: "idem-which-failures-release-their-key", find: 'result.ok || result.error.code !== "vapi_create_unknown"', replace: "true", tests: T("idempotency") },
  { name: "idem: a resumed create is sent again", file: "src/vapi/create-marker.ts", guard: "idem-a-resumed-create-is-sent-again", find: "if (!attempt.resumed) {", replace: "if (true) {", tests: T("idempotency") },
  { name: "idem: keys never expire", file: IDEM, guard: "idem-keys-never-expire", find: '    sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", now);\n', replace: "", tests: T("idempotency") },
  { name: "idem: keys unbounded", file: IDEM, guard: "idem-keys-unbounded", lines: 4, find: "Math.max(1, maxKeys)", replace: "1e9", tests: T("idempotency") },
  { name: "idem: a key change keeps stored answers", file: KEY, guard: "idem-key-change-keeps-stored-answers", find: "    idempotency.forget();\n", replace: "", tests: T("idempotency") },
  { name: "idem: key unvalidated", file: ROUTES, guard: "idem-key-unvalidated", find: ".regex(/^[\\x20-\\x7e]{1,255}$/,", replace: ".regex(/^.*$/,", tests: T("idempotency") },
  { name: "idem: SDK never retries writes", file: "packages/client/src/index.ts", guard: "idem-sdk-never-retries-writes", find: 'retry: "idempotent" });', replace: 'retry: "read" });', tests: T("client-sdk") },
  // Issue 24: credentials end at the upstream boundary; a delete distrusts the items naming it (`npm run mutants -- relations:`).
  { name: "secrets: credentials pass the upstream boundary", file: "src/vapi/client.ts", guard: "secrets-pass-the-upstream-boundary", find: "    for (const field of this.resource.secrets) delete data[field];\n", replace: "", tests: T("secrets") },
  { name: "relations: referrers stay trusted", file: "durable-objects/relations.ts", guard: "relations-referrers-stay-trusted", find: "const names = !entry || refs.some(", replace: "const names = false && refs.some(", tests: T("relations") },
  { name: "relations: distrust skips the fence", file: HOT, guard: "relations-distrust-skips-the-fence", find: "    current.writtenAtSeq = seq;\n", replace: "", tests: T("relations") },
  { name: "relations: rows stay fresh in D1", file: "durable-objects/relations.ts", guard: "relations-rows-stay-fresh-in-d1", find: ", rows.expire(db, uid, distrusted)", replace: "", tests: T("relations") },
  { name: "client id unvalidated", file: ROUTES, guard: "client-id-unvalidated", find: ".regex(/^[A-Za-z0-9_-]{1,64}$/,", replace: ".regex(/^.*$/,", tests: T("own-writes") },
  // Teams (issue 20): `npm run mutants -- team:`.
  { name: "team: a write not announced to the team", file: WRITES, guard: "a-write-not-announced-to-the-team", find: "    await this.d.announce(change, timing);\n", replace: "", tests: T("teams") },
  { name: "team: a relayed change lowers a version", file: WRITES, guard: "a-relayed-change-lowers-a-version", find: 'if (change.origin !== "write" && held !== undefined', replace: "if (false && held !== undefined", tests: T("teams") },
  { name: "team: a base older than the team's version", file: READS, guard: "base-older-than-the-team-s-version", find: "base && base.version < atLeast && tries < 2", replace: "false", tests: T("teams-turns") },
  { name: "team: turns not waited for", file: "durable-objects/turns.ts", guard: "turns-not-waited-for", find: "    await previous;\n", replace: "", tests: T("teams-turns") },
  { name: "team: a change of another team applied", file: "durable-objects/team-link.ts", guard: "a-change-of-another-team-applied", find: "      if (this.teamId !== teamId) return;\n", replace: "", tests: T("teams-isolation") },
  { name: "team: a change resurrects a deleted id", file: "durable-objects/team-link.ts", guard: "team-change-resurrects-a-deleted-id", find: 'if (c.type !== "deleted" && this.gone.has(c.item.id)) return;', replace: "", tests: T("teams") },
  { name: "team: a refresh's report of a deleted id recorded", file: "durable-objects/team.ts", guard: "team-records-a-refresh-of-a-deleted-id", find: "    if (row?.deleted === 1) return false;\n", replace: "", tests: T("teams") },
  { name: "team: a join does not wait for turns", file: "durable-objects/team.ts", guard: "a-join-does-not-wait-for-turns", find: "      await this.turns.settled();\n", replace: "", tests: T("teams-solo") },
  { name: "team: a relayed change waits for D1", file: "durable-objects/bundle.ts", guard: "a-relayed-change-waits-for-d1", find: "return this.writes.apply(newTiming(), change, true);", replace: "return this.writes.apply(newTiming(), change);", tests: T("teams-failures") },
  { name: "team: a relayed batch left unmarked", file: "durable-objects/d1-trust.ts", guard: "a-relayed-batch-left-unmarked", find: "    if (this.inFlight.size === 0) this.ctx.storage.kv.put(BEHIND_KEY, Date.now());\n", replace: "", tests: T("teams-failures") },
  { name: "team: restart trusts a D1 left behind", file: "durable-objects/d1-trust.ts", guard: "restart-trusts-a-d1-left-behind", find: "const behind = this.ctx.storage.kv.get(BEHIND_KEY) !== undefined;", replace: "const behind = false;", tests: T("teams-failures") },
  { name: "team: a key change keeps the team", file: "durable-objects/vapi-key.ts", guard: "a-key-change-keeps-the-team", find: "    this.d.team.leave();\n", replace: "", tests: T("teams-isolation") },
];
