import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { byId, configure, d1Rows, fault, listBody, newUser, vapiAssistants, withHook } from "./helpers";
import { runHistory, violations } from "./history";

// Issue 20, item 6: the consistency history of consistency-history.test.ts, for a team: several
// users of one org, two tabs each, concurrent random reads and writes, emulator latency and
// faults, random evictions of any member. `npm run soak` runs it longer with a fresh seed.
const seed = Number(env.HISTORY_SEED || 20261207);
const opsPerClient = Number(env.HISTORY_OPS_PER_CLIENT || 12);

describe("team consistency under faults and evictions", () => {
  it(`keeps invariants 1–3 and 9 across three teammates with two tabs each (seed ${seed})`, async () => {
    const first = await newUser({ assistants: 5 });
    const users = [first, await newUser({ key: first.key }), await newUser({ key: first.key })];
    const initial = (await listBody(await first.req("/api/assistants"))).assistants.map((a) => a.id);
    for (const u of users) await configure(u, { ttlMs: 150, retryAttempts: 2, retryBudgetMs: 300, circuitThreshold: 3, circuitOpenMs: 200 });
    const chaos = await fault(first.key, { latencyMs: { min: 5, max: 60 }, errorRate: 0.1, errorStatus: 503 });

    const history = await runHistory(users, { seed, clients: 6, opsPerClient, initialIds: initial });
    await chaos.clear();
    const found = violations(history);
    const acknowledged = history.filter((o) => o.status < 300).length;
    console.log(JSON.stringify({ msg: "team consistency history", seed, operations: history.length, acknowledged, violations: found.length }));
    expect(found).toEqual([]);

    // Quiescence: one forced sync each, then Vapi, each member's D1 rows and hot layer agree.
    const vapi = byId(await vapiAssistants(first.key));
    for (const u of users) {
      const synced = await listBody(await u.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }));
      expect(byId(synced.assistants)).toEqual(vapi);
      expect(byId((await d1Rows(u.sub)).map((r) => r.assistant))).toEqual(vapi);
      const hot = await withHook(u.sub, (hook) => hook.rows().map((r) => JSON.parse(r.json) as { id: string }));
      expect(byId(hot)).toEqual(vapi);
    }
  }, 3_600_000);
});
