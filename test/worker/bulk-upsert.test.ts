import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { resources } from "../../core/resources";
import { assistants } from "../../core/resources/assistants";
import { type CachedRow, CacheRows, chunkRows, utf8Bytes } from "../../src/db/cache-rows";

const upsertAssistants = (db: D1Database, userId: string, rows: CachedRow[]) => new CacheRows(assistants).upsertMany(db, userId, rows);
import { breakD1For, countD1Statements } from "./gates";
import { byId, configure, d1Rows, d1Settled, listBody, newUser, stubFor, vapiAssistants, withHook } from "./helpers";

const row = (id: string, json: string, updatedAt = 1): CachedRow => ({ id, json, cachedAt: 5, updatedAt });
const tuplesOf = (chunk: ReturnType<typeof chunkRows>[number]) =>
  "bulk" in chunk ? (JSON.parse(chunk.bulk) as [string, string, number, number][]) : [];

describe("chunkRows: rows packed under D1's bound-value limit", () => {
  it("keeps every chunk's UTF-8 size within the limit and every row once, in order", () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(`id-${i}`, JSON.stringify({ name: "x".repeat(i * 7) })));
    const chunks = chunkRows(rows, 1_000);
    expect(chunks.length).toBeGreaterThan(1);
    // Full: no chunk could have taken its successor's first row.
    for (const c of chunks) expect("bulk" in c && utf8Bytes(c.bulk)).toBeLessThanOrEqual(1_000);
    for (let i = 1; i < chunks.length; i++) {
      const next = JSON.stringify(tuplesOf(chunks[i]!)[0]);
      expect(utf8Bytes((chunks[i - 1] as { bulk: string }).bulk) + utf8Bytes(next) + 1).toBeGreaterThan(1_000);
    }
    expect(chunks.flatMap(tuplesOf).map(([id, json]) => row(id, json))).toEqual(rows.map((r) => row(r.id, r.json)));
  });

  it("counts multibyte characters by their UTF-8 bytes, not UTF-16 units", () => {
    expect(utf8Bytes("aé€😀")).toBe(new TextEncoder().encode("aé€😀").length);
    // 100 emoji are 200 UTF-16 units but 400 bytes: two such rows do not fit in 700 bytes together.
    const rows = [row("a", JSON.stringify({ n: "😀".repeat(100) })), row("b", JSON.stringify({ n: "😀".repeat(100) }))];
    const chunks = chunkRows(rows, 700);
    expect(chunks).toHaveLength(2);
    for (const c of chunks) expect("bulk" in c && new TextEncoder().encode(c.bulk).length).toBeLessThanOrEqual(700);
  });

  it("gives a row too big for any chunk its own statement, and packs the others together", () => {
    const big = row("big", JSON.stringify({ prompt: "y".repeat(2_000) }));
    const chunks = chunkRows([row("a", "{}"), big, row("c", "{}")], 1_000);
    expect(chunks.filter((c) => "one" in c)).toEqual([{ one: big }]);
    expect(chunks.flatMap(tuplesOf).map((t) => t[0])).toEqual(["a", "c"]);
    expect(chunks).toHaveLength(2);
  });

  it("makes no chunk for no rows", () => {
    expect(chunkRows([])).toEqual([]);
  });
});

describe("bulk upsert", () => {
  it("stores vapi_data byte-identical and never lowers updated_at", async () => {
    const user = await newUser();
    const tricky = JSON.stringify({ name: 'quote " backslash \\ tab \t emoji 😀 line-sep \u2028 é' });
    await env.DB.batch(upsertAssistants(env.DB, user.sub, [row("newer", '{"v":"newer"}', 200), row("plain", tricky, 1)]));
    // An older version of "newer" arrives in a bulk statement with a brand-new row.
    await env.DB.batch(upsertAssistants(env.DB, user.sub, [row("newer", '{"v":"older"}', 100), row("fresh", "{}", 1)]));
    const { results } = await env.DB.prepare("SELECT id, vapi_data, updated_at FROM assistants_cache WHERE user_id = ? ORDER BY id")
      .bind(user.sub)
      .all<{ id: string; vapi_data: string; updated_at: number }>();
    expect(results).toEqual([
      { id: "fresh", vapi_data: "{}", updated_at: 1 },
      { id: "newer", vapi_data: '{"v":"newer"}', updated_at: 200 },
      { id: "plain", vapi_data: tricky, updated_at: 1 },
    ]);
  });
});

describe("a large org in few D1 statements", () => {
  it("syncs and repairs 2,500 assistants in a handful of statements, and D1 holds exactly them", async () => {
    const user = await newUser({ assistants: 2_500 });
    await configure(user, { listPageSize: 1_000 });
    const batches = await countD1Statements(user.sub);

    const listed = await listBody(await user.req("/api/assistants"));
    expect(listed.assistants).toHaveLength(2_500);
    await d1Settled(user.sub);
    const rows = await d1Rows(user.sub);
    const vapi = byId(await vapiAssistants(user.key));
    expect(byId(rows.map((r) => r.assistant))).toEqual(vapi);
    const hotJson = await withHook(user.sub, (hook) => Object.fromEntries(hook.rows().map((r) => [r.id, r.json])));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.vapi_data]))).toEqual(hotJson);
    // One batch: the bulk upserts (one per ~1.9 MB) and the list marker; it was 2,501 statements.
    expect(batches).toHaveLength(1);
    expect(batches[0]).toBeLessThanOrEqual(4);
    console.log(JSON.stringify({ msg: "list sync of 2500", statements: batches[0] }));

    // A failed write-through makes D1 untrusted; the alarm's repair rewrites every row.
    const fixD1 = await breakD1For(user.sub);
    const target = listed.assistants[0]!;
    expect((await user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "Repaired" } })).status).toBe(200);
    await fixD1();
    batches.length = 0;
    expect(await runDurableObjectAlarm(stubFor(user.sub))).toBe(true);
    expect(batches).toHaveLength(1);
    // Per resource (the other three hold nothing here): a delete of its rows and its marker; then
    // assistants' bulk upserts and marker.
    expect(batches[0]).toBeLessThanOrEqual(2 * resources.length + 4);
    console.log(JSON.stringify({ msg: "repair of 2500", statements: batches[0] }));
    const repaired = await d1Rows(user.sub);
    expect(byId(repaired.map((r) => r.assistant))).toEqual(byId(await vapiAssistants(user.key)));
    expect(repaired.find((r) => r.id === target.id)?.assistant.name).toBe("Repaired");
  }, 60_000);
});
