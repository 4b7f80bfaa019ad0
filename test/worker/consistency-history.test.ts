import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { resources } from "../../core/resources";
import type { Plural } from "../../emulator/client";
import { admin, Assistant, byId, configure, d1Settled, fault, newUser, withHook } from "./helpers";
import { assistantsTarget, type HistoryTarget, runHistory, violations } from "./history";

// `npm run soak` runs this longer, with a seed of its own; `npm test` runs it short and fixed.
const seed = Number(env.HISTORY_SEED || 20261127);
const opsPerClient = Number(env.HISTORY_OPS_PER_CLIENT || 15);

/** The resources the history runs against: assistants, and phone numbers through the same core (issue 24). */
const targets: { target: HistoryTarget; admin: Plural; table: string; org: { assistants?: number; phoneNumbers?: number } }[] = [
  { target: assistantsTarget, admin: "assistants", table: "assistants_cache", org: { assistants: 6 } },
  {
    target: {
      path: "/api/phone-numbers", name: "phoneNumber", plural: "phoneNumbers",
      create: (label) => ({ provider: "vapi", name: label }), update: (label) => ({ name: label }),
    },
    admin: "phone-numbers", table: "phone_numbers_cache", org: { assistants: 2, phoneNumbers: 6 },
  },
];

describe.each(targets)("consistency under faults and evictions: $target.path", ({ target, admin: plural, table, org }) => {
  it(`keeps invariants 1–3 and 9 over a random history of concurrent clients (seed ${seed})`, async () => {
    const key = `sk-test-${crypto.randomUUID()}`;
    await admin.registerOrg({ privateKey: key, ...org });
    const user = await newUser({ key });
    const list = async (headers: Record<string, string> = {}) =>
      z.object({ [target.plural]: z.array(Assistant) }).parse(await (await user.req(target.path, { headers })).json())[target.plural]!;
    const initial = (await list()).map((a) => a.id);
    await configure(user, { ttlMs: 150, retryAttempts: 2, retryBudgetMs: 300, circuitThreshold: 3, circuitOpenMs: 200 });
    const chaos = await fault(user.key, {
      latencyMs: { min: 5, max: 80 },
      errorRate: 0.25,
      errorStatus: 503,
      rateLimit: { every: 9, retryAfterSeconds: 0 },
    });

    const history = await runHistory(user, { seed, clients: 4, opsPerClient, initialIds: initial, target });
    await chaos.clear();
    const found = violations(history);
    console.log(JSON.stringify({ msg: "consistency history", resource: target.name, seed, operations: history.length, acknowledged: history.filter((o) => o.status < 300).length, violations: found.length }));
    expect(found).toEqual([]);

    // Quiescence: one forced sync, then Vapi, D1 and the hot layer agree.
    const synced = await list({ "Cache-Control": "no-cache" });
    // Vapi as the cache may hold it: without the descriptor's secret fields (a Twilio number's token).
    const secrets = resources.find((r) => r.name === target.name)!.secrets;
    const held = (i: Record<string, unknown>) => Object.fromEntries(Object.entries(i).filter(([k]) => !secrets.includes(k)));
    const vapi = byId((await admin.items(user.key, plural)).map(held) as { id: string }[]);
    expect(byId(synced)).toEqual(vapi);
    await d1Settled(user.sub);
    const { results } = await env.DB.prepare(`SELECT vapi_data FROM ${table} WHERE user_id = ?`).bind(user.sub).all<{ vapi_data: string }>();
    expect(byId(results.map((r) => JSON.parse(r.vapi_data) as { id: string }))).toEqual(vapi);
    const hot = await withHook(user.sub, (hook) => hook.rows().map((r) => JSON.parse(r.json) as { id: string }), target.name);
    expect(byId(hot)).toEqual(vapi);
  }, 3_600_000);
});

describe("the history checker", () => {
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
