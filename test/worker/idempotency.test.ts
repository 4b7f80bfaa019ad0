import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { until } from "./gates";
import {
  configure,
  d1Rows,
  ErrorBody,
  fault,
  listBody,
  newUser,
  OneBody,
  stubFor,
  type TestUser,
  upstreamCalls,
  vapiAssistants,
} from "./helpers";
import { openTab } from "./tabs";

// Exactly-once writes with Idempotency-Key (issue 21; docs/api.md "Idempotency-Key").

const KEY = "Idempotency-Key";
const REPLAYED = "Idempotent-Replayed";

const create = (user: TestUser, key: string | undefined, json: unknown = { name: "Once" }) =>
  user.req("/api/assistants", { method: "POST", json, headers: key === undefined ? {} : { [KEY]: key } });

/** The keys the user's coordinator holds, from its own storage. */
const storedKeys = (user: TestUser) =>
  runInDurableObject(stubFor(user.sub), (_, state) =>
    state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'idempotency'").toArray().length === 0
      ? 0
      : Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM idempotency").one().n),
  );

describe("Idempotency-Key", () => {
  it("a create retried with its key after a lost answer yields exactly one assistant: in Vapi, memory, D1 and one created event per tab", async () => {
    const user = await newUser({ assistants: 1 });
    const tabs = [await openTab(user.token), await openTab(user.token)];
    for (const tab of tabs) await tab.waitFor((m) => m.type === "ready");
    await user.req("/api/assistants");
    // Vapi applies the POST after 1 s; the cache waits 150 ms and looks for it for 200 ms: the outcome is unknown.
    await configure(user, { vapiTimeoutMs: 150, retryBudgetMs: 200 });
    const slow = await fault(user.key, { latencyMs: { min: 1000, max: 1000 }, routes: ["POST /assistant"] });
    const key = crypto.randomUUID();
    const lost = await create(user, key, { name: "Exactly once" });
    expect(lost.status).toBe(504);
    expect(ErrorBody.parse(await lost.json()).error.code).toBe("vapi_create_unknown");
    // Retried before it landed: still unknown, and nothing is sent again.
    const early = await create(user, key, { name: "Exactly once" });
    expect([201, 504]).toContain(early.status);
    await until(async () => (await vapiAssistants(user.key)).length === 2, "the slow create landing in Vapi");
    await slow.clear();

    const retried = await create(user, key, { name: "Exactly once" });
    expect(retried.status).toBe(201);
    const { assistant } = OneBody.parse(await retried.json());
    const again = await create(user, key, { name: "Exactly once" });
    expect(again.headers.get(REPLAYED)).toBe("true");
    expect(OneBody.parse(await again.json()).assistant.id).toBe(assistant.id);

    const inVapi = (await vapiAssistants(user.key)).filter((a) => a.name === "Exactly once");
    expect(inVapi.map((a) => a.id)).toEqual([assistant.id]);
    const listed = (await listBody(await user.req("/api/assistants"))).assistants.filter((a) => a.name === "Exactly once");
    expect(listed.map((a) => a.id)).toEqual([assistant.id]);
    expect((await d1Rows(user.sub)).filter((r) => r.assistant.name === "Exactly once").map((r) => r.id)).toEqual([assistant.id]);
    for (const tab of tabs) {
      await tab.waitFor((m) => m.type === "created" && m.id === assistant.id);
      expect(tab.messages.filter((m) => m.type === "created")).toHaveLength(1);
    }
  });

  it("a retry after a dropped answer gets the first answer, replayed, without a second Vapi write", async () => {
    const user = await newUser();
    const key = crypto.randomUUID();
    const first = await create(user, key);
    expect(first.status).toBe(201);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const calls = await upstreamCalls(user.key);
    const retry = await create(user, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get(REPLAYED)).toBe("true");
    expect(retry.headers.get("ETag")).toBe(first.headers.get("ETag"));
    expect(await retry.text()).toBe(await first.text());
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect(await vapiAssistants(user.key)).toHaveLength(1);
  });

  it("concurrent duplicates: one Vapi write, every one answered the same", async () => {
    const user = await newUser();
    const key = crypto.randomUUID();
    const slow = await fault(user.key, { latencyMs: { min: 200, max: 200 }, routes: ["POST /assistant"] });
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(user, key)));
    await slow.clear();
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(bodies).size).toBe(1);
    expect(answers.filter((r) => r.headers.get(REPLAYED) === "true")).toHaveLength(5);
    expect(await vapiAssistants(user.key)).toHaveLength(1);
  });

  it("the same key with a different request is 422 and changes nothing", async () => {
    const user = await newUser();
    const key = crypto.randomUUID();
    const first = await create(user, key, { name: "First" });
    const { assistant } = OneBody.parse(await first.json());
    const calls = await upstreamCalls(user.key);
    for (const res of [
      await create(user, key, { name: "Second" }),
      await user.req(`/api/assistants/${assistant.id}`, { method: "PATCH", json: { name: "First" }, headers: { [KEY]: key } }),
      await user.req(`/api/assistants/${assistant.id}`, { method: "DELETE", headers: { [KEY]: key } }),
    ]) {
      expect(res.status).toBe(422);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("idempotency_key_reused");
    }
    // Key order is not a different request.
    const reordered = await create(user, key, { name: "First" });
    expect(reordered.headers.get(REPLAYED)).toBe("true");
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect((await vapiAssistants(user.key)).map((a) => a.name)).toEqual(["First"]);
  });

  it("PATCH and DELETE retried with their keys answer as the first did (a delete's retry is not a 404)", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = await vapiAssistants(user.key);
    const patch = () => user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Renamed" }, headers: { [KEY]: "patch-1" } });
    const first = await patch();
    expect(first.status).toBe(200);
    const again = await patch();
    expect(again.headers.get(REPLAYED)).toBe("true");
    expect(await again.text()).toBe(await first.text());
    const del = () => user.req(`/api/assistants/${a!.id}`, { method: "DELETE", headers: { [KEY]: "delete-1" } });
    expect((await del()).status).toBe(200);
    const calls = await upstreamCalls(user.key);
    const retried = await del();
    expect(retried.status).toBe(200);
    expect(retried.headers.get(REPLAYED)).toBe("true");
    expect(await upstreamCalls(user.key)).toBe(calls);
  });

  it("a failed write stores nothing: its retry with the same key runs again", async () => {
    const user = await newUser();
    const key = crypto.randomUUID();
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503, routes: ["POST /assistant"] });
    expect((await create(user, key)).status).toBe(502);
    await outage.clear();
    const retry = await create(user, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get(REPLAYED)).toBeNull();
    expect(await vapiAssistants(user.key)).toHaveLength(1);
  });

  it("a key outlives the coordinator's eviction", async () => {
    const user = await newUser();
    const key = crypto.randomUUID();
    const first = await create(user, key);
    await evictDurableObject(stubFor(user.sub));
    const retry = await create(user, key);
    expect(retry.headers.get(REPLAYED)).toBe("true");
    expect(await retry.text()).toBe(await first.text());
    expect(await vapiAssistants(user.key)).toHaveLength(1);
  });

  it("expires after the configured retention: the same request is then a new one", async () => {
    const user = await newUser();
    await configure(user, { idempotencyRetentionMs: 300 });
    const key = crypto.randomUUID();
    expect((await create(user, key)).status).toBe(201);
    // Replays until the key expires; the first answer that is not a replay is a second create.
    await until(async () => (await create(user, key)).headers.get(REPLAYED) === null, "the key expired");
    expect(await vapiAssistants(user.key)).toHaveLength(2);
  });

  it("keeps at most IDEMPOTENCY_MAX_KEYS per user, forgetting the oldest first", async () => {
    const user = await newUser();
    await configure(user, { idempotencyMaxKeys: 2 });
    for (const key of ["k1", "k2", "k3"]) expect((await create(user, key, { name: key })).status).toBe(201);
    expect(await storedKeys(user)).toBe(2);
    expect((await create(user, "k3", { name: "k3" })).headers.get(REPLAYED)).toBe("true");
    expect((await create(user, "k1", { name: "k1" })).headers.get(REPLAYED)).toBeNull();
    expect(await vapiAssistants(user.key)).toHaveLength(4);
  });

  it("is per user: another user's same key is a different key", async () => {
    const [alice, bob] = [await newUser(), await newUser()];
    const key = crypto.randomUUID();
    expect((await create(alice, key)).status).toBe(201);
    const theirs = await create(bob, key, { name: "Bob's" });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get(REPLAYED)).toBeNull();
    expect((await vapiAssistants(bob.key)).map((a) => a.name)).toEqual(["Bob's"]);
  });

  it("stored answers (they hold assistants) are deleted when the Vapi key is removed or replaced", async () => {
    const user = await newUser();
    const key = crypto.randomUUID();
    expect((await create(user, key)).status).toBe(201);
    expect(await storedKeys(user)).toBe(1);
    expect((await user.req("/api/settings/vapi-key", { method: "DELETE" })).status).toBe(204);
    expect(await storedKeys(user)).toBe(0);
    await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: user.key } });
    expect((await create(user, key)).status).toBe(201);
    const other = await newUser();
    await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: other.key } });
    expect(await storedKeys(user)).toBe(0);
  });

  it("refuses a malformed key with 400 invalid_idempotency_key before anything is written", async () => {
    const user = await newUser();
    for (const bad of ["", "x".repeat(256), "tab\there"]) {
      const res = await create(user, bad);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("invalid_idempotency_key");
    }
    expect((await create(user, "x".repeat(255))).status).toBe(201);
    expect(await vapiAssistants(user.key)).toHaveLength(1);
  });
});
