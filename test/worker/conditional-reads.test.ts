import { describe, expect, it } from "vitest";
import { configure, ErrorBody, listBody, newUser, OneBody, type TestUser, upstreamCalls } from "./helpers";

// Issue 18: the Fetch standard makes `fetch` add these to every request that carries
// If-None-Match, so a repeat read through the SDK never hit the cache. The header sets below are
// exactly what each platform sends (names as it writes them).
const platforms = {
  "Node's fetch (undici)": (tag: string) => [
    ["if-none-match", tag],
    ["cache-control", "no-cache"],
    ["pragma", "no-cache"],
  ],
  "Chromium's fetch": (tag: string) => [
    ["If-None-Match", tag],
    ["Cache-Control", "max-age=0"],
    ["Pragma", "no-cache"],
  ],
} satisfies Record<string, (tag: string) => [string, string][]>;

// What each sends to force a revalidation explicitly: the directive and no validator.
const forced = {
  "no-cache (Node's fetch, the SDK's revalidate)": [
    ["cache-control", "no-cache"],
    ["pragma", "no-cache"],
  ],
  "max-age=0 (Chromium's reload)": [
    ["Cache-Control", "max-age=0"],
    ["Pragma", "no-cache"],
  ],
} satisfies Record<string, [string, string][]>;

/** A user whose list and first assistant are cached and fresh, with their validators. */
async function warmed(): Promise<{ user: TestUser; id: string; listTag: string; tag: string }> {
  const user = await newUser({ assistants: 3 });
  const list = await user.req("/api/assistants");
  const listTag = list.headers.get("ETag")!;
  const id = (await listBody(list)).assistants[0]!.id;
  const tag = (await user.req(`/api/assistants/${id}`)).headers.get("ETag")!;
  return { user, id, listTag, tag };
}

describe("conditional reads sent by a real fetch are answered by a fresh cache", () => {
  for (const [platform, headers] of Object.entries(platforms)) {
    it(`${platform}: a current validator is 304 from the cache, a changed one 200 from the cache, no Vapi call`, async () => {
      const { user, id, listTag, tag } = await warmed();
      const calls = await upstreamCalls(user.key);

      for (const [path, current] of [["/api/assistants", listTag], [`/api/assistants/${id}`, tag]] as const) {
        const same = await user.req(path, { headers: headers(current) });
        expect(same.status).toBe(304);
        expect(same.headers.get("Cache-Status")).toMatch(/^vapi-edge-cache; hit; ttl=\d+$/);
        expect(same.headers.get("ETag")).toBe(current);

        const other = await user.req(path, { headers: headers('"an-older-version"') });
        expect(other.status).toBe(200);
        expect(other.headers.get("Cache-Status")).toMatch(/^vapi-edge-cache; hit; ttl=\d+$/);
        expect(((await other.json()) as { cached: boolean }).cached).toBe(true);
      }
      expect(await upstreamCalls(user.key)).toBe(calls);
    });
  }

  it("a stale entry is still revalidated with Vapi first, then compared (304 when unchanged)", async () => {
    const { user, id, listTag, tag } = await warmed();
    await configure(user, { ttlMs: 0 });
    const calls = await upstreamCalls(user.key);

    const list = await user.req("/api/assistants", { headers: platforms["Node's fetch (undici)"](listTag) });
    expect([list.status, list.headers.get("Cache-Status")]).toEqual([304, "vapi-edge-cache; fwd=stale; stored"]);
    const one = await user.req(`/api/assistants/${id}`, { headers: platforms["Chromium's fetch"](tag) });
    expect([one.status, one.headers.get("Cache-Status")]).toEqual([304, "vapi-edge-cache; fwd=stale; stored"]);
    expect(await upstreamCalls(user.key)).toBe(calls + 2);
  });

  it("Pragma: no-cache alone never forces a revalidation", async () => {
    const { user, id } = await warmed();
    const calls = await upstreamCalls(user.key);
    for (const path of ["/api/assistants", `/api/assistants/${id}`]) {
      const res = await user.req(path, { headers: [["Pragma", "no-cache"]] });
      expect(res.status).toBe(200);
      expect(res.headers.get("Cache-Status")).toMatch(/^vapi-edge-cache; hit; /);
    }
    expect(await upstreamCalls(user.key)).toBe(calls);
  });

  it("a conditional read answered from a fresh cache is not charged to the revalidation limit", async () => {
    const { user, id, listTag, tag } = await warmed();
    await configure(user, { vars: { RATE_LIMIT_REVALIDATIONS_PER_MINUTE: "6", RATE_LIMIT_REVALIDATIONS_BURST: "1" } });
    for (let i = 0; i < 5; i++) {
      for (const headers of Object.values(platforms)) {
        expect((await user.req("/api/assistants", { headers: headers(listTag) })).status).toBe(304);
        expect((await user.req(`/api/assistants/${id}`, { headers: headers(tag) })).status).toBe(304);
      }
    }
    // The burst of one is still there for an explicit revalidation, and only then used up.
    expect((await user.req(`/api/assistants/${id}`, { headers: forced["no-cache (Node's fetch, the SDK's revalidate)"] })).status).toBe(200);
    const limited = await user.req(`/api/assistants/${id}`, { headers: forced["no-cache (Node's fetch, the SDK's revalidate)"] });
    expect(limited.status).toBe(429);
    expect(ErrorBody.parse(await limited.json()).error.code).toBe("rate_limited");
  });
});

describe("a forced revalidation is no-cache or max-age=0 without a validator", () => {
  for (const [how, headers] of Object.entries(forced)) {
    it(`${how}: the list and one id each ask Vapi (fwd=request), though both are fresh`, async () => {
      const { user, id } = await warmed();
      const calls = await upstreamCalls(user.key);

      const list = await user.req("/api/assistants", { headers });
      expect([list.status, list.headers.get("Cache-Status")]).toEqual([200, "vapi-edge-cache; fwd=request; stored"]);
      expect((await listBody(list)).cached).toBe(false);
      expect(await upstreamCalls(user.key)).toBe(calls + 1);

      const one = await user.req(`/api/assistants/${id}`, { headers });
      expect([one.status, one.headers.get("Cache-Status")]).toEqual([200, "vapi-edge-cache; fwd=request; stored"]);
      expect(OneBody.parse(await one.json()).cached).toBe(false);
      expect(await upstreamCalls(user.key)).toBe(calls + 2);
    });
  }
});
