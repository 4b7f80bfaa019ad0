import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { byId, d1Rows, d1Settled, listBody, newUser, OneBody, stubFor, vapiAssistants, withHook } from "./helpers";

// A real D1 failure, scoped to one user: triggers that abort their cache writes.
async function breakD1WritesFor(sub: string) {
  const name = `fail_${sub.replace(/\W/g, "_")}`;
  await env.DB.batch(
    ["INSERT", "UPDATE"].map((op) =>
      env.DB.prepare(
        `CREATE TRIGGER ${name}_${op} BEFORE ${op} ON assistants_cache WHEN NEW.user_id = '${sub}' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
      ),
    ),
  );
  return () => env.DB.batch(["INSERT", "UPDATE"].map((op) => env.DB.prepare(`DROP TRIGGER ${name}_${op}`)));
}

/** The coordinator's D1 binding with every batch (the cache's reads and writes) failing. */
function failingBatches(db: D1Database): D1Database {
  return new Proxy(db, {
    get: (target, prop) =>
      prop === "batch" ? () => Promise.reject(new Error("D1_ERROR: injected")) : Reflect.get(target, prop).bind(target),
  });
}

/** From now on, every D1 batch the user's coordinator sends through its env fails (hydration included). */
const failD1BatchesOf = (sub: string) =>
  withHook(sub, (hook) => {
    hook.interceptEnv((real) => new Proxy(real, { get: (t, p) => (p === "DB" ? failingBatches(t.DB) : Reflect.get(t, p)) }));
  });

describe("D1 faults", () => {
  it("a D1 read failure while hydrating does not fail the request: it is answered from Vapi", async () => {
    const user = await newUser({ assistants: 3 });
    await user.req("/api/assistants");
    await evictDurableObject(stubFor(user.sub));
    await failD1BatchesOf(user.sub);
    const res = await user.req("/api/assistants");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=miss; stored");
    expect(byId((await listBody(res)).assistants)).toEqual(byId(await vapiAssistants(user.key)));
  });

  it("after a failed hydration, the next list sync also removes D1 rows of assistants deleted in Vapi meanwhile", async () => {
    const user = await newUser({ assistants: 3 });
    const [gone] = (await listBody(await user.req("/api/assistants"))).assistants;
    await d1Settled(user.sub);
    const deleted = await fetch(`${env.EMULATOR_URL}/assistant/${gone!.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${user.key}` },
    });
    expect(deleted.status).toBe(200);
    await evictDurableObject(stubFor(user.sub));
    await failD1BatchesOf(user.sub);
    // Hydration failed, so memory never knew of the deleted id: this sync must still clear its row.
    const synced = (await listBody(await user.req("/api/assistants"))).assistants;
    expect(synced.map((a) => a.id)).not.toContain(gone!.id);
    await d1Settled(user.sub);
    expect((await d1Rows(user.sub)).map((r) => r.assistant.id)).not.toContain(gone!.id);
    await evictDurableObject(stubFor(user.sub));
    const res = await user.req("/api/assistants");
    expect(res.headers.get("Cache-Status")).toContain("hit");
    expect(byId((await listBody(res)).assistants)).toEqual(byId(await vapiAssistants(user.key)));
  });

  it("with D1 failing throughout, acknowledged writes survive evictions unreverted, and repair retries until D1 is back", async () => {
    const user = await newUser({ assistants: 3 });
    const [a, b] = (await listBody(await user.req("/api/assistants"))).assistants;
    await d1Settled(user.sub); // the sync's rows land before D1 breaks
    const fixD1 = await breakD1WritesFor(user.sub);

    expect((await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Patched" } })).status).toBe(200);
    expect((await user.req(`/api/assistants/${b!.id}`, { method: "DELETE" })).status).toBe(200);
    const created = await user.req("/api/assistants", { method: "POST", json: { name: "Created" } });
    const createdId = OneBody.parse(await created.json()).assistant.id;

    for (let round = 0; round < 2; round++) {
      await evictDurableObject(stubFor(user.sub));
      const names = Object.fromEntries((await listBody(await user.req("/api/assistants"))).assistants.map((x) => [x.id, x.name]));
      expect(names[a!.id]).toBe("Patched");
      expect(names).not.toHaveProperty(b!.id);
      expect(names[createdId]).toBe("Created");
      // The repair alarm fails too, and reschedules itself.
      expect(await runDurableObjectAlarm(stubFor(user.sub))).toBe(true);
    }

    await fixD1();
    expect(await runDurableObjectAlarm(stubFor(user.sub))).toBe(true);
    expect(byId((await d1Rows(user.sub)).map((r) => r.assistant))).toEqual(byId(await vapiAssistants(user.key)));
    const untrusted = await runInDurableObject(stubFor(user.sub), (_obj, state) => state.storage.kv.get("d1-untrusted-since"));
    expect(untrusted).toBeUndefined();
  }, 30_000);
});
