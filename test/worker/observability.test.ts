import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import app from "../../src/app";
import { fault, listBody, newUser, upstreamCalls } from "./helpers";

const Stats = z.object({
  hits: z.number(),
  misses: z.number(),
  staleServed: z.number(),
  coalesced: z.number(),
  upstreamCalls: z.number(),
  upstreamErrors: z.number(),
  errors: z.number(),
  writes: z.number(),
  hotLayer: z.object({ entries: z.number(), resident: z.number(), bytes: z.number(), jsonBytes: z.number(), listBytes: z.number(), budgetBytes: z.number(), evictions: z.number(), uncounted: z.string() }),
  upstreamLatencyMs: z.object({ samples: z.number(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
});

const LogLine = z.object({
  msg: z.literal("request"),
  method: z.string(),
  route: z.string(),
  status: z.number(),
  cache: z.string().nullable(),
  durationMs: z.number(),
  user: z.string().nullable(),
  sampled: z.number().optional(),
}).loose();

describe("GET /api/cache/stats", () => {
  it("counts a known sequence of requests", async () => {
    const user = await newUser({ assistants: 4 });
    const stats = async () => Stats.parse(await (await user.req("/api/cache/stats")).json());

    const { assistants } = await listBody(await user.req("/api/assistants")); // miss, 1 upstream call
    for (let i = 0; i < 3; i++) await user.req("/api/assistants"); // 3 hits
    await user.req(`/api/assistants/${assistants[0]!.id}`); // hit
    await user.req(`/api/assistants/${assistants[0]!.id}`, { method: "PATCH", json: { name: "Counted" } }); // write, 1 call
    await user.req(`/api/assistants/${crypto.randomUUID()}`); // hit: absent from the fresh list, 404 error

    const slow = await fault(user.key, { latencyMs: { min: 100, max: 100 } });
    await Promise.all(Array.from({ length: 10 }, () => user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } })));
    await slow.clear(); // 1 miss + 9 coalesced, 1 call

    const s = await stats();
    expect(s).toMatchObject({ hits: 5, misses: 2, coalesced: 9, upstreamCalls: 3, upstreamErrors: 0, errors: 1, writes: 1, staleServed: 0 });
    expect(s.hotLayer.entries).toBe(4);
    const listed = await listBody(await user.req("/api/assistants"));
    const json = listed.assistants.map((a) => JSON.stringify(a).length);
    const jsonBytes = json.reduce((a, b) => a + b, 0);
    // The list strings built by the last list answer are counted too: `[a,b,…]` and `{"id":"etag",…}`.
    const listBytes = jsonBytes + json.length + 1 + JSON.stringify(listed.etags).length;
    expect(s.hotLayer).toMatchObject({ jsonBytes, listBytes, bytes: jsonBytes + listBytes });
    expect(s.hotLayer.uncounted).toMatch(/parsed/);
    expect(s.upstreamLatencyMs.samples).toBe(3);
    expect(s.upstreamLatencyMs.p99).toBeGreaterThanOrEqual(100);
  });
});

// The Worker's request log lines, captured per test.
let lines: string[];
beforeEach(() => {
  lines = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

describe("response headers and logs", () => {
  it("every assistants answer carries Cache-Status and Server-Timing; misses, writes and errors log one JSON line without secrets, hits none", async () => {
    const user = await newUser({ assistants: 2 });
    lines.length = 0;
    const miss = await user.req("/api/assistants");
    const hit = await user.req("/api/assistants");
    const write = await user.req("/api/assistants", { method: "POST", json: { name: "Logged" } });
    const bad = await user.req(`/api/assistants/${crypto.randomUUID()}`);

    expect([miss, hit, write, bad].map((r) => r.headers.get("Cache-Status"))).toEqual([
      "vapi-edge-cache; fwd=miss; stored",
      expect.stringMatching(/^vapi-edge-cache; hit; ttl=\d+$/),
      "vapi-edge-cache; fwd=method; stored",
      "vapi-edge-cache; hit; detail=not-in-list",
    ]);
    for (const r of [miss, hit, write]) expect(r.headers.get("Server-Timing")).toMatch(TIMING);
    expect(Number(/vapi;dur=([\d.]+)/.exec(miss.headers.get("Server-Timing")!)![1])).toBeGreaterThanOrEqual(0);

    const logs = lines.map((l) => LogLine.parse(JSON.parse(l)));
    // The suite runs with LOG_HIT_SAMPLE_RATE=0: the hit is counted in the stats, not logged.
    expect(logs.map((l) => [l.method, l.route, l.status, l.cache])).toEqual([
      ["GET", "/api/assistants", 200, "fwd=miss; stored"],
      ["POST", "/api/assistants", 201, "fwd=method; stored"],
      ["GET", "/api/assistants/:id", 404, "hit; detail=not-in-list"],
    ]);
    expect(new Set(logs.map((l) => l.user)).size).toBe(1);
    const all = lines.join("\n");
    for (const secret of [user.sub, user.key, user.token]) expect(all).not.toContain(secret);
    expect(await upstreamCalls(user.key)).toBeGreaterThan(0);
  });
});

/** Every phase of an assistants answer, the coordinator's first (core/timing.ts), then the Worker's (auth, rpc, total). */
const TIMING = /^cache;dur=[\d.]+, d1;dur=[\d.]+, vapi;dur=[\d.]+, hydrate;dur=[\d.]+, key;dur=[\d.]+, apply;dur=[\d.]+, serialize;dur=[\d.]+, team;dur=[\d.]+, auth;dur=[\d.]+,rpc;dur=[\d.]+,total;dur=[\d.]+$/;

/** Server-Timing as name → ms. */
const phases = (res: Response) =>
  Object.fromEntries([...(res.headers.get("Server-Timing") ?? "").matchAll(/(\w+);dur=([\d.]+)/g)].map(([, n, ms]) => [n!, Number(ms)]));

describe("Server-Timing", () => {
  it("names every phase, and the phases never add up to more than the Worker's total", async () => {
    const user = await newUser({ assistants: 3 });
    const miss = await user.req("/api/assistants");
    const [first] = (await listBody(miss)).assistants;
    const answers = [
      miss,
      await user.req("/api/assistants"),
      await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }),
      await user.req(`/api/assistants/${first!.id}`, { method: "PATCH", json: { name: "Timed" } }),
    ];
    for (const res of answers) {
      expect(res.headers.get("Server-Timing")).toMatch(TIMING);
      const { total, ...parts } = phases(res);
      // Disjoint parts of the Worker's time, each rounded to 0.1 ms: what is left is the Worker's routing and middleware.
      expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total! + 1);
    }
  });


  it("counts the time spent waiting for Vapi as its vapi share", async () => {
    const user = await newUser({ assistants: 1 });
    const slow = await fault(user.key, { latencyMs: { min: 50, max: 50 } });
    const miss = await user.req("/api/assistants");
    await slow.clear();
    expect(miss.status).toBe(200);
    // A lower bound only: the emulator held the answer 50 ms, whatever else the machine was doing.
    expect(phases(miss).vapi).toBeGreaterThanOrEqual(50);
  });
});

describe("hit log sampling (LOG_HIT_SAMPLE_RATE, LOG_SLOW_MS)", () => {
  /** A request through the app with some settings changed (the bindings stay the real ones). */
  async function withSettings(vars: Record<string, string>, path: string, token: string) {
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`http://cache.test${path}`, { headers: { Authorization: `Bearer ${token}` } }),
      { ...env, ...vars },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("a sampled hit is logged and says it was sampled; a slow hit is always logged", async () => {
    const user = await newUser({ assistants: 1 });
    await user.req("/api/assistants"); // warm
    lines.length = 0;

    const sampled = await withSettings({ LOG_HIT_SAMPLE_RATE: "1" }, "/api/assistants", user.token);
    const slow = await withSettings({ LOG_HIT_SAMPLE_RATE: "0", LOG_SLOW_MS: "0" }, "/api/assistants", user.token);
    const quiet = await withSettings({ LOG_HIT_SAMPLE_RATE: "0" }, "/api/assistants", user.token);
    for (const r of [sampled, slow, quiet]) expect(r.headers.get("Cache-Status")).toMatch(/; hit; /);

    const logs = lines.map((l) => LogLine.parse(JSON.parse(l)));
    expect(logs.map((l) => l.sampled)).toEqual([1, undefined]);
    expect(logs.every((l) => l.cache?.startsWith("hit"))).toBe(true);
  });
});
