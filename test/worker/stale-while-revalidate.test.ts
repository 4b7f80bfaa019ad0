import { describe, expect, it } from "vitest";
import { holdNextVapiAnswer, until } from "./gates";
import { admin, configure, listBody, newUser, upstreamCalls, withHook } from "./helpers";

describe("stale-while-revalidate (CACHE_STALE_WHILE_REVALIDATE_SECONDS)", () => {
  it("past the TTL, answers at once from the stale list and refreshes once in the background", async () => {
    const user = await newUser({ assistants: 3 });
    await configure(user, { ttlMs: 60_000, staleWhileRevalidateMs: 10_000 });
    const [first] = (await listBody(await user.req("/api/assistants"))).assistants;
    // A TTL of 0 from now on: the list is past it at once, inside the stale-while-revalidate window.
    await configure(user, { ttlMs: 0 });
    await admin.patchBehindBack(user.key, first!.id, { name: "Renamed in Vapi" });
    // The background refresh reads Vapi; its answer is held until every stale answer is in.
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const calls = await upstreamCalls(user.key);

    let answered = false;
    const pending = Promise.all(Array.from({ length: 10 }, () => user.req("/api/assistants")));
    void pending.then(() => (answered = true));
    await held.answered();
    // "At once" causally: all ten are answered while the refresh they started is still held.
    await until(() => answered, "the stale answers while the refresh is held");
    for (const res of await pending) {
      expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; detail=stale-while-revalidate");
      const body = await listBody(res);
      expect(body).toMatchObject({ cached: true, stale: true });
      expect(body.assistants.find((a) => a.id === first!.id)?.name).toBe(first!.name);
    }

    held.release();
    await until(() => withHook(user.sub, (hook) => hook.refreshesRunning() === 0), "the background refresh applied");
    await configure(user, { ttlMs: 60_000 });
    const next = await user.req("/api/assistants");
    expect(next.headers.get("Cache-Status")).toMatch(/; hit; ttl=\d+$/);
    expect((await listBody(next)).assistants.find((a) => a.id === first!.id)?.name).toBe("Renamed in Vapi");
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
  });
});
