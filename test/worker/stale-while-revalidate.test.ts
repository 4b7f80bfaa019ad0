import { describe, expect, it } from "vitest";
import { admin, configure, fault, listBody, newUser, sleep, upstreamCalls } from "./helpers";

describe("stale-while-revalidate (CACHE_STALE_WHILE_REVALIDATE_SECONDS)", () => {
  it("past the TTL, answers at once from the stale list and refreshes once in the background", async () => {
    const user = await newUser({ assistants: 3 });
    await configure(user, { ttlMs: 1000, staleWhileRevalidateMs: 10_000 });
    const [first] = (await listBody(await user.req("/api/assistants"))).assistants;
    await sleep(1050);
    await admin.patchBehindBack(user.key, first!.id, { name: "Renamed in Vapi" });
    const slow = await fault(user.key, { latencyMs: { min: 300, max: 300 } });
    const calls = await upstreamCalls(user.key);

    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => user.req("/api/assistants")));
    const elapsed = Date.now() - started;
    for (const res of answers) {
      expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; detail=stale-while-revalidate");
      const body = await listBody(res);
      expect(body).toMatchObject({ cached: true, stale: true });
      expect(body.assistants.find((a) => a.id === first!.id)?.name).toBe(first!.name);
    }
    expect(elapsed).toBeLessThan(300);

    await sleep(400);
    await slow.clear();
    const next = await user.req("/api/assistants");
    expect(next.headers.get("Cache-Status")).toMatch(/; hit; ttl=\d+$/);
    expect((await listBody(next)).assistants.find((a) => a.id === first!.id)?.name).toBe("Renamed in Vapi");
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
  });
});
