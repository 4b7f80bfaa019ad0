import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { TeamApi } from "../../durable-objects/team-wire";
import { holdNextD1Batch, until } from "./gates";
import { admin, configure, d1Rows, d1Settled, newUser, OneBody, stubFor, type TestUser, upstreamCalls, vapiAssistants, withHook } from "./helpers";
import { openTab } from "./tabs";

// Issue 20, items 3 and 5: an evicted teammate, a refresh's finding shared, and the team's
// coordination down (a write still completes, flagged and counted; teammates converge at their
// next refresh).

async function team(): Promise<{ a: TestUser; b: TestUser; id: string }> {
  const a = await newUser({ assistants: 1 });
  const b = await newUser({ key: a.key });
  const [first] = await vapiAssistants(a.key);
  return { a, b, id: first!.id };
}

const one = async (res: Response) => OneBody.parse(await res.json()).assistant;
const Stats = z.object({ team: z.object({ coordinated: z.number(), unavailable: z.number(), applied: z.number() }) });
/** The `team` phase of an answer's Server-Timing, in ms. */
const teamMs = (res: Response) => Number(/(?:^|, )team;dur=([\d.]+)/.exec(res.headers.get("Server-Timing") ?? "")?.[1]);
const teamStats = async (u: TestUser) => Stats.parse(await (await u.req("/api/cache/stats")).json()).team;

/** A team that never answers (`hang`) or cannot be reached (`fail`), for `sub`'s coordinator. */
async function teamDown(sub: string, how: "hang" | "fail") {
  const down = () => (how === "hang" ? new Promise<never>(() => undefined) : Promise.reject(new Error("team unreachable")));
  const dead: TeamApi = { join: down, leave: down, turn: down, release: down, acknowledged: down };
  await withHook(sub, (hook) => hook.interceptTeam(() => dead));
}

describe("team failures", () => {
  it("wakes an evicted teammate with the change: it never serves the superseded row as fresh", async () => {
    const { a, b, id } = await team();
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    await evictDurableObject(stubFor(b.sub));

    const written = await one(await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "while B slept" } }));
    expect((await d1Rows(b.sub)).find((r) => r.id === id)!.assistant).toEqual(written);
    const calls = await upstreamCalls(a.key);
    await evictDurableObject(stubFor(b.sub));
    const read = await b.req(`/api/assistants/${id}`);
    expect(read.headers.get("Cache-Status")).toMatch(/; hit/);
    expect(await one(read)).toEqual(written);
    expect(await upstreamCalls(a.key)).toBe(calls);
  });

  // Issue 23: the writer waited for every teammate's D1 row (49 statements on one D1 at 50 members).
  it("answers the writer once a teammate's memory has the change; a teammate stopped before its D1 row lands never rehydrates the older one", async () => {
    const { a, b, id } = await team();
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    await d1Settled(b.sub);
    const held = await holdNextD1Batch(b.sub);

    const res = await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "B's row still on its way" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Team-Coordination")).toBeNull();
    const written = await one(res);
    await held.entered();
    const read = await b.req(`/api/assistants/${id}`);
    expect(read.headers.get("Cache-Status")).toMatch(/; hit/);
    expect(await one(read)).toEqual(written);

    // B's object stops with the row still held (as a crash or a deploy stops it): the batch never lands.
    const stopped = await runInDurableObject(stubFor(b.sub), (_, state: DurableObjectState) => state.abort("stopped")).catch(
      (err: unknown) => String(err),
    );
    expect(stopped).toMatch(/stopped/); // abort() throws where it is called, and resets the object

    expect((await d1Rows(b.sub)).find((r) => r.id === id)!.assistant).not.toEqual(written);
    expect(await one(await b.req(`/api/assistants/${id}`))).toEqual(written);
  });

  it("shares what one teammate's refresh finds edited in Vapi with the others' caches and tabs", async () => {
    const { a, b, id } = await team();
    expect((await a.req(`/api/assistants/${id}`)).status).toBe(200);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    const tab = await openTab(b.token);
    await tab.waitFor((m) => m.type === "ready");
    const edited = await admin.patchBehindBack(a.key, id, { name: "edited in Vapi's dashboard" });

    expect((await a.req(`/api/assistants/${id}`, { headers: { "Cache-Control": "no-cache" } })).status).toBe(200);
    const event = await tab.waitFor((m) => m.type === "updated" && m.id === id);
    expect(event).toMatchObject({ origin: "vapi", version: Date.parse(edited.updatedAt) });
    const read = await b.req(`/api/assistants/${id}`);
    expect(read.headers.get("Cache-Status")).toMatch(/; hit/);
    expect((await one(read)).name).toBe("edited in Vapi's dashboard");
    tab.ws.close();
  });

  for (const how of ["hang", "fail"] as const) {
    it(`completes a write within the deadline when the team ${how === "hang" ? "never answers" : "is unreachable"}: flagged, counted, converging at the next refresh`, async () => {
      const { a, b, id } = await team();
      expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
      await configure(a, { teamTimeoutMs: 50 });
      await teamDown(a.sub, how);

      const res = await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "alone" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("Team-Coordination")).toBe("unavailable");
      // The wait for the team is its own Server-Timing phase: the turn's deadline, then the announce's (2×).
      if (how === "hang") expect(teamMs(res)).toBeGreaterThanOrEqual(100);
      const written = await one(res);
      expect((await vapiAssistants(a.key)).find((x) => x.id === id)!.name).toBe("alone");
      expect((await one(await a.req(`/api/assistants/${id}`))).name).toBe("alone");
      expect(await teamStats(a)).toMatchObject({ unavailable: 1, coordinated: 0 });

      // B never heard of it; its next refresh (past its TTL) brings it.
      await configure(b, { ttlMs: 0 });
      expect(await one(await b.req(`/api/assistants/${id}`))).toEqual(written);
    });
  }

  it("flags no write while the team answers in time, and counts each", async () => {
    const { a, b, id } = await team();
    const res = await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "together" } });
    expect(res.headers.get("Team-Coordination")).toBeNull();
    await a.req("/api/assistants", { method: "POST", json: { name: "new" } });
    expect(await teamStats(a)).toMatchObject({ coordinated: 2, unavailable: 0 });
    await until(async () => (await teamStats(b)).applied === 2, "B to apply both");
  });
});
