import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { byId, configure, d1Rows, fault, listBody, newUser, vapiAssistants, withHook } from "./helpers";
import { runHistory, violations } from "./history";

// `npm run soak` runs this longer, with a seed of its own; `npm test` runs it short and fixed.
const seed = Number(env.HISTORY_SEED || 20261127);
const opsPerClient = Number(env.HISTORY_OPS_PER_CLIENT || 15);

describe("consistency under faults and evictions", () => {
  it(`keeps invariants 1–3 and 9 over a random history of concurrent clients (seed ${seed})`, async () => {
    const user = await newUser({ assistants: 6 });
    const initial = (await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id);
    await configure(user, { ttlMs: 150, retryAttempts: 2, retryBudgetMs: 300, circuitThreshold: 3, circuitOpenMs: 200 });
    const chaos = await fault(user.key, {
      latencyMs: { min: 5, max: 80 },
      errorRate: 0.25,
      errorStatus: 503,
      rateLimit: { every: 9, retryAfterSeconds: 0 },
    });

    const history = await runHistory(user, { seed, clients: 4, opsPerClient, initialIds: initial });
    await chaos.clear();
    const found = violations(history);
    console.log(JSON.stringify({ msg: "consistency history", seed, operations: history.length, acknowledged: history.filter((o) => o.status < 300).length, violations: found.length }));
    expect(found).toEqual([]);

    // Quiescence: one forced sync, then Vapi, D1 and the hot layer agree.
    const synced = await listBody(await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }));
    const vapi = byId(await vapiAssistants(user.key));
    expect(byId(synced.assistants)).toEqual(vapi);
    expect(byId((await d1Rows(user.sub)).map((r) => r.assistant))).toEqual(vapi);
    const hot = await withHook(user.sub, (hook) => hook.rows().map((r) => JSON.parse(r.json) as { id: string }));
    expect(byId(hot)).toEqual(vapi);
  }, 3_600_000);

  it("the checker itself catches a lost write, a resurrection and a version going back", () => {
    const seen = (entries: [string, number][]) => new Map(entries);
    const found = violations([
      { client: 0, kind: "update", id: "a", start: 0, end: 1, status: 200, version: 10 },
      { client: 0, kind: "delete", id: "b", start: 2, end: 3, status: 200 },
      { client: 1, kind: "list", start: 4, end: 5, status: 200, seen: seen([["a", 9], ["b", 1]]) },
      { client: 1, kind: "get", id: "a", start: 6, end: 7, status: 200, seen: seen([["a", 12]]) },
      { client: 1, kind: "get", id: "a", start: 8, end: 9, status: 200, seen: seen([["a", 11]]) },
    ]);
    expect(found).toHaveLength(3);
    expect(found.join("\n")).toMatch(/older than acknowledged 10[\s\S]*deleted and acknowledged[\s\S]*went back from version 12 to 11/);
  });
});
