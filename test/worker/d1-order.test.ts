import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { holdNextD1Batch, until } from "./gates";
import { d1Rows, listBody, newUser, stubFor, vapiAssistants } from "./helpers";

describe("D1 follows memory, in order", () => {
  it("a delete acknowledged while a list sync's batch is slow is not undone in D1 by that batch", async () => {
    const user = await newUser({ assistants: 3 });
    const victim = (await vapiAssistants(user.key))[0]!;
    const held = await holdNextD1Batch(user.sub);
    const sync = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await held.entered(); // the sync's rows, the victim included, are on their way to D1
    const del = user.req(`/api/assistants/${victim.id}`, { method: "DELETE" });
    // In order, the delete's batch waits behind the held one; out of order it would already run.
    const gone = () => runInDurableObject(stubFor(user.sub), (instance) => instance["hot"].get(victim.id) === undefined);
    await Promise.race([del, until(gone)]);
    held.release();
    expect((await del).status).toBe(200);
    expect((await sync).status).toBe(200);

    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(victim.id);
    await evictDurableObject(stubFor(user.sub));
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.cached).toBe(true);
    expect(after.assistants.map((a) => a.id)).not.toContain(victim.id);
  });
});
