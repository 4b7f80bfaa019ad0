import { describe, expect, it } from "vitest";
import { z } from "zod";
import { resources } from "../../core/resources";
import { listBody, newUser, stubFor, upstreamCalls } from "./helpers";
import { openTab } from "./tabs";

const Counters = z.object({
  hits: z.number(),
  misses: z.number(),
  staleServed: z.number(),
  coalesced: z.number(),
  errors: z.number(),
  writes: z.number(),
  hotLayer: z.object({ entries: z.number(), bytes: z.number() }),
});
const Stats = Counters.extend({ resources: z.record(z.string(), Counters) });

describe("one coordinator, a bundle per resource of the registry", () => {
  it("answers a resource name the registry does not hold with a 404 value over RPC, and sends Vapi nothing", async () => {
    const user = await newUser({ assistants: 1 });
    const stub = stubFor(user.sub);
    const calls = await upstreamCalls(user.key);
    const answers = await Promise.all([
      stub.list(user.sub, "workflow"),
      stub.get(user.sub, "workflow", crypto.randomUUID()),
      stub.create(user.sub, "workflow", { name: "never sent" }),
      stub.update(user.sub, "workflow", crypto.randomUUID(), { name: "never sent" }),
      stub.remove(user.sub, "workflow", crypto.randomUUID()),
    ]);
    for (const answer of answers) {
      expect(answer).toMatchObject({ ok: false, error: { status: 404, code: "unknown_resource" } });
    }
    expect(await upstreamCalls(user.key)).toBe(calls);
    // Every registered resource is served by name.
    expect(resources.map((r) => r.name)).toEqual(["assistant", "phoneNumber", "tool", "squad"]);
    expect((await stub.list(user.sub, "assistant")).ok).toBe(true);
  });

  it("GET /api/events is the user's whole feed (v2 names each change's resource); /api/assistants/events is the same socket", async () => {
    const user = await newUser();
    const all = await openTab(user.token, { path: "/api/events", via: "protocol", protocols: ["vapi-edge-cache.v2"] });
    const old = await openTab(user.token, { via: "protocol", protocols: ["vapi-edge-cache.v1"] });
    expect(all.protocol).toBe("vapi-edge-cache.v2");
    await Promise.all([all, old].map((t) => t.waitFor((m) => m.type === "ready")));
    const created = await user.req("/api/assistants", { method: "POST", json: { name: "Heard on both paths" } });
    const { assistant } = z.object({ assistant: z.object({ id: z.string() }) }).parse(await created.json());

    const heard = await old.waitFor((m) => m.type === "created");
    await all.waitFor(() => all.raw.some((m) => m.includes(`"type":"created"`)));
    const v2 = JSON.parse(all.raw.find((m) => m.includes(`"type":"created"`))!) as Record<string, unknown>;
    expect(v2).toMatchObject({ type: "created", resource: "assistant", id: assistant.id, seq: "seq" in heard ? heard.seq : -1 });
    for (const t of [all, old]) t.ws.close(1000, "done");
  });

  it("counts each resource's reads, writes and memory beside the totals, which sum them", async () => {
    const user = await newUser({ assistants: 2 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await user.req("/api/assistants");
    await user.req(`/api/assistants/${a!.id}`);
    await user.req("/api/assistants", { method: "POST", json: { name: "Counted" } });

    const stats = Stats.parse(await (await user.req("/api/cache/stats")).json());
    const assistant = stats.resources.assistant!;
    expect(assistant).toMatchObject({ misses: 1, hits: 2, writes: 1, errors: 0 });
    expect(assistant.hotLayer.entries).toBe(3);
    const { resources: _, ...totals } = stats;
    expect(assistant).toEqual(Counters.parse(totals));
  });
});
