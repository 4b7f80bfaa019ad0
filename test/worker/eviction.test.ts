import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resources } from "../../core/resources";
import { breakD1For } from "./gates";
import { d1Rows, d1Settled, fault, listBody, newUser, OneBody, stubFor, upstreamCalls, vapiAssistants, withHook } from "./helpers";

describe("the hot layer is not assumed durable", () => {
  it("after eviction the coordinator rehydrates from fresh D1 rows instead of calling Vapi", async () => {
    const user = await newUser({ assistants: 5 });
    const before = await listBody(await user.req("/api/assistants"));
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "Acked" } })).json());
    const calls = await upstreamCalls(user.key);

    await evictDurableObject(stubFor(user.sub));

    const after = await listBody(await user.req("/api/assistants"));
    expect(after.cached).toBe(true);
    expect(after.assistants).toEqual([created.assistant, ...before.assistants]);
    expect(await upstreamCalls(user.key)).toBe(calls);
  });

  // Issue 23: a restarted coordinator read D1 five times (each resource's rows, then the key).
  it("a restarted coordinator reads its rows, list markers and Vapi key in one D1 batch, and its key's first use takes it", async () => {
    const user = await newUser({ assistants: 2 });
    expect((await user.req("/api/assistants")).status).toBe(200);
    await evictDurableObject(stubFor(user.sub));
    // Every D1 call the coordinator makes from here on, in order: a batch (its size) or a key read.
    const calls: string[] = [];
    await withHook(user.sub, (hook) =>
      void hook.interceptEnv((real) => {
        const db = new Proxy(real.DB, {
          get: (t, p) =>
            p === "batch"
              ? (statements: D1PreparedStatement[]) => (calls.push(`batch of ${statements.length}`), t.batch(statements))
              : p === "prepare"
                ? (sql: string) => (/FROM user_settings/.test(sql) && calls.push("key's row"), t.prepare(sql))
                : Reflect.get(t, p).bind(t),
        });
        return new Proxy(real, { get: (t, p) => (p === "DB" ? db : Reflect.get(t, p)) });
      }),
    );

    // A revalidation after the start needs the key: it is the one the start's batch read.
    const res = await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toContain("fwd=request");
    // The key's statement, prepared for the start's batch, then the batch: the key's row and two
    // statements (rows, marker) per resource; no other read of the key.
    expect(calls.slice(0, 2)).toEqual(["key's row", `batch of ${1 + 2 * resources.length}`]);
    expect(calls.filter((c) => c === "key's row")).toHaveLength(1);
  });

  it("eviction in the middle of a burst of writes and a slow refresh loses nothing acknowledged", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const slow = await fault(user.key, { latencyMs: { min: 300, max: 300 }, routes: ["GET /assistant"] });
    const refresh = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }).catch(() => undefined);
    const acked = await Promise.all([
      user.req(`/api/assistants/${assistants[0]!.id}`, { method: "PATCH", json: { name: "Kept 1" } }),
      user.req(`/api/assistants/${assistants[1]!.id}`, { method: "DELETE" }),
      user.req("/api/assistants", { method: "POST", json: { name: "Kept 2" } }),
    ]);
    expect(acked.map((r) => r.status)).toEqual([200, 200, 201]);
    const createdId = OneBody.parse(await acked[2]!.json()).assistant.id;

    await evictDurableObject(stubFor(user.sub));
    await refresh;
    await slow.clear();

    const after = await listBody(await user.req("/api/assistants"));
    const names = Object.fromEntries(after.assistants.map((a) => [a.id, a.name]));
    expect(names[assistants[0]!.id]).toBe("Kept 1");
    expect(names).not.toHaveProperty(assistants[1]!.id);
    expect(names[createdId]).toBe("Kept 2");
  });
});

describe("write-through when D1 fails", () => {
  it("acknowledges the write, distrusts D1 after a restart, and never serves the older row", async () => {
    const user = await newUser({ assistants: 2 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const target = assistants[0]!;
    await d1Settled(user.sub); // the list sync's rows are in D1 before D1 breaks
    const repairD1 = await breakD1For(user.sub);

    const res = await user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "Only in Vapi and memory" } });
    expect(res.status).toBe(200);
    expect((await d1Rows(user.sub)).find((r) => r.id === target.id)?.assistant.name).toBe(target.name);
    await repairD1();

    await evictDurableObject(stubFor(user.sub));
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.assistants.find((a) => a.id === target.id)?.name).toBe("Only in Vapi and memory");
  });

  it("repairs D1 from memory on its alarm", async () => {
    const user = await newUser({ assistants: 2 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    await d1Settled(user.sub);
    const repairD1 = await breakD1For(user.sub);
    await user.req(`/api/assistants/${assistants[1]!.id}`, { method: "PATCH", json: { name: "Repaired later" } });
    await repairD1();

    expect(await runDurableObjectAlarm(stubFor(user.sub))).toBe(true);
    const rows = await d1Rows(user.sub);
    expect(rows.find((r) => r.id === assistants[1]!.id)?.assistant.name).toBe("Repaired later");
    expect(rows.map((r) => r.assistant).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      (await vapiAssistants(user.key)).sort((a, b) => a.id.localeCompare(b.id)),
    );
    const untrusted = await runInDurableObject(stubFor(user.sub), (_obj, state) => state.storage.kv.get("d1-untrusted-since"));
    expect(untrusted).toBeUndefined();
  });
});

