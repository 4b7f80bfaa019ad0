import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type ChangeEvent,
  ConflictError,
  directVapi,
  NotFoundError,
  UnavailableError,
} from "../../packages/client/src/index.ts";
import { newUser, upstreamCalls, vapiAssistants } from "./helpers";
import { until } from "./gates";
import { client, workerFetch, workerSockets } from "./sdk-harness";

describe("client SDK against the Worker and the emulator", () => {
  it("reads, revalidates with 304 on its own copy, and writes; a stale expected version is a ConflictError with both versions", async () => {
    const user = await newUser({ assistants: 2 });
    const statuses: number[] = [];
    const sdk = client(user, { fetch: workerFetch(statuses) });
    const first = await sdk.getAssistants();
    expect(first).toMatchObject({ cached: false, source: "cache" });
    const again = await sdk.getAssistants();
    expect(again.assistants).toEqual(first.assistants);
    expect(again.cached).toBe(true);
    expect(statuses).toEqual([200, 304]);

    const id = first.assistants[0]!.id;
    const mine = await sdk.getAssistant(id);
    const updated = await sdk.updateAssistant(id, { name: "Tab A" }, { expected: mine.etag });
    expect(updated.assistant.name).toBe("Tab A");
    const tabB = client(user);
    const err = await tabB.updateAssistant(id, { name: "Tab B" }, { expected: mine.etag }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).current.name).toBe("Tab A");
    expect((err as ConflictError).currentEtag).toBe(updated.etag);
    // This client read the version it edited, so it can show it beside the current one.
    const stale = await sdk.updateAssistant(id, { name: "Tab A again" }, { expected: mine.etag }).catch((e: unknown) => e);
    expect((stale as ConflictError).base?.name).toBe(mine.assistant.name);

    const created = await sdk.createAssistant({ name: "Made by the SDK" });
    await sdk.deleteAssistant(created.assistant.id, { expected: created.etag });
    await expect(sdk.getAssistant(created.assistant.id)).rejects.toBeInstanceOf(NotFoundError);
    const inVapi = await vapiAssistants(user.key);
    expect(inVapi).toHaveLength(2);
    expect(inVapi.find((a) => a.id === id)?.name).toBe("Tab A");
  });

  it("edits straight from the list with its etags; a stale one is a ConflictError whose base is the listed version", async () => {
    const user = await newUser({ assistants: 2 });
    const sdk = client(user);
    const list = await sdk.getAssistants();
    const [a, b] = list.assistants;
    expect(Object.keys(list.etags).sort()).toEqual([a!.id, b!.id].sort());
    expect(list.etags[a!.id]).toBe((await client(user).getAssistant(a!.id)).etag);

    const edited = await sdk.updateAssistant(a!.id, { name: "From the list" }, { expected: list.etags[a!.id] });
    expect(edited.assistant.name).toBe("From the list");
    const err = await sdk.updateAssistant(a!.id, { name: "Stale" }, { expected: list.etags[a!.id] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).base).toEqual(a);
    expect((err as ConflictError).current.name).toBe("From the list");
    expect((err as ConflictError).currentEtag).toBe(edited.etag);
    // A 304 on the list keeps its etags.
    const again = await sdk.getAssistants();
    expect(again.etags[a!.id]).toBe(edited.etag);
    expect((await sdk.getAssistants()).etags).toEqual(again.etags);
  });

  it("{ revalidate: true } sends no If-None-Match and Cache-Control: no-cache, and the service asks Vapi", async () => {
    const user = await newUser({ assistants: 1 });
    const sent: Request[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push(new Request(input, init));
      return workerFetch()(input, init);
    };
    const sdk = client(user, { fetch: recording });
    const [a] = (await sdk.getAssistants()).assistants;
    await sdk.getAssistant(a!.id);
    const calls = await upstreamCalls(user.key);

    const list = await sdk.getAssistants({ revalidate: true });
    const one = await sdk.getAssistant(a!.id, { revalidate: true });
    expect([list.cached, one.cached]).toEqual([false, false]);
    expect(await upstreamCalls(user.key)).toBe(calls + 2);
    for (const req of sent.slice(2)) {
      expect(req.headers.get("If-None-Match")).toBeNull();
      expect(req.headers.get("Cache-Control")).toBe("no-cache");
      expect(req.cache).toBe("no-store");
    }
    // Plain reads after it are conditional again, on the copy the revalidation brought.
    expect((await sdk.getAssistant(a!.id)).cached).toBe(true);
    expect(sent.at(-1)!.headers.get("If-None-Match")).toBe(one.etag);
    expect(await upstreamCalls(user.key)).toBe(calls + 2);
  });

  it("retries a read answered 503 after Retry-After, and reports UnavailableError when it persists", async () => {
    const user = await newUser({ assistants: 1 });
    const at: number[] = [];
    let failures = 1;
    const flaky: typeof fetch = async (input, init) => {
      at.push(Date.now());
      if (failures-- > 0) return new Response('{"error":{"code":"busy","message":"later"}}', { status: 503, headers: { "Retry-After": "1" } });
      return workerFetch()(input, init);
    };
    const sdk = client(user, { fetch: flaky });
    expect((await sdk.getAssistants()).assistants).toHaveLength(1);
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);

    failures = 10;
    const err = await client(user, { fetch: flaky, retries: 1, maxRetryDelayMs: 10 }).getAssistants().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).retryAfterMs).toBe(1000);
  });

  it("retries a write whose answer was lost with the same Idempotency-Key: one assistant, the first answer", async () => {
    const user = await newUser();
    const keys: (string | null)[] = [];
    let drops = 1;
    // The first POST reaches the Worker and is applied, then its answer is lost on the way back.
    const lossy: typeof fetch = async (input, init) => {
      const req = new Request(input, init);
      if (req.method !== "POST") return workerFetch()(req);
      keys.push(req.headers.get("Idempotency-Key"));
      const res = await workerFetch()(req);
      if (drops-- > 0) throw new TypeError("network connection lost");
      return res;
    };
    const sdk = client(user, { fetch: lossy, maxRetryDelayMs: 10 });
    const created = await sdk.createAssistant({ name: "Sent twice, made once" });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[\x20-\x7e]{1,255}$/);
    expect(keys[1]).toBe(keys[0]);
    expect((await vapiAssistants(user.key)).map((a) => a.id)).toEqual([created.assistant.id]);

    // A 5xx is retried with the same key too; each call has a key of its own.
    let fails = 1;
    const failing: typeof fetch = async (input, init) => {
      const req = new Request(input, init);
      if (req.method === "PATCH") keys.push(req.headers.get("Idempotency-Key"));
      if (req.method === "PATCH" && fails-- > 0) return new Response('{"error":{"code":"vapi_error","message":"x"}}', { status: 502 });
      return workerFetch()(req);
    };
    const patched = await client(user, { fetch: failing, maxRetryDelayMs: 10 }).updateAssistant(created.assistant.id, { name: "Renamed once" });
    expect(patched.assistant.name).toBe("Renamed once");
    expect(keys).toHaveLength(4);
    expect(keys[3]).toBe(keys[2]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("falls back to direct Vapi only when the service is unreachable or answers 5xx", async () => {
    const user = await newUser({ assistants: 2 });
    let used = 0;
    const vapi = directVapi({ privateKey: user.key, baseUrl: env.EMULATOR_URL });
    const fallback = {
      ...vapi,
      getAssistants: () => {
        used++;
        return vapi.getAssistants();
      },
      getAssistant: (id: string) => {
        used++;
        return vapi.getAssistant(id);
      },
    };
    const down: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));
    const offline = await client(user, { fetch: down, fallback }).getAssistants();
    expect(offline.source).toBe("fallback");
    expect(offline.assistants).toHaveLength(2);
    const broken: typeof fetch = async () => new Response('{"error":{"code":"internal_error","message":"x"}}', { status: 500 });
    expect((await client(user, { fetch: broken, fallback }).getAssistant(offline.assistants[0]!.id)).source).toBe("fallback");
    expect(used).toBe(2);

    // A 4xx is an answer, not an outage: no fallback.
    const missing = "00000000-0000-4000-8000-000000000000";
    await expect(client(user, { fallback }).getAssistant(missing)).rejects.toBeInstanceOf(NotFoundError);
    expect(used).toBe(2);
    await expect(client(user, { fetch: down }).getAssistants()).rejects.toMatchObject({ status: 0, code: "unreachable" });
  });

  it("subscribe delivers another tab's writes in order and, after a drop, resumes with exactly what it missed", async () => {
    const user = await newUser({ assistants: 3 });
    const writer = client(user);
    const ids = (await writer.getAssistants()).assistants.map((a) => a.id);
    const sockets: { gate?: Promise<void>; opened: WebSocket[] } = { opened: [] };
    const events: ChangeEvent[] = [];
    const sub = client(user, { webSocket: workerSockets(sockets) }).subscribe((e) => events.push(e), { minDelayMs: 10 });
    await until(() => sub.lastSeq !== undefined, "ready");
    const calls = await upstreamCalls(user.key);

    await writer.updateAssistant(ids[0]!, { name: "live" });
    await until(() => events[0], "the first event");
    let release!: () => void;
    sockets.gate = new Promise((r) => (release = r));
    sockets.opened[0]!.close(1011, "network drop");
    await writer.updateAssistant(ids[1]!, { name: "missed" });
    await writer.deleteAssistant(ids[2]!);
    release();
    await until(() => events.length >= 3, "the missed events");
    await writer.updateAssistant(ids[0]!, { name: "after" });
    await until(() => events.length >= 4, "the event after the resume");
    sub.close();

    expect(events.map((e) => [e.type, "id" in e ? e.id : ""])).toEqual([
      ["updated", ids[0]],
      ["updated", ids[1]],
      ["deleted", ids[2]],
      ["updated", ids[0]],
    ]);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2, seqs[0]! + 3]);
    expect(sockets.opened).toHaveLength(2);
    // Resuming sends what was logged; it does not ask Vapi (three writes, no reads).
    expect(await upstreamCalls(user.key)).toBe(calls + 4);
  });
});
