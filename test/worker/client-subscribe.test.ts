import { describe, expect, it } from "vitest";
import type { ChangeEvent, SubscriptionState } from "../../packages/client/src/index.ts";
import { newUser, type TestUser, token, uid } from "./helpers";
import { until } from "./gates";
import { client, type Sockets, workerFetch, workerSockets } from "./sdk-harness";

const names = (states: SubscriptionState[]) => states.map((s) => s.state);

/** A subscription through the Worker, with its sockets and every state it reported, once ready. */
async function subscribedReady(user: TestUser) {
  const sockets: Sockets = { opened: [] };
  const states: SubscriptionState[] = [];
  const sub = client(user, { webSocket: workerSockets(sockets) }).subscribe(() => undefined, {
    minDelayMs: 10,
    onState: (s) => states.push(s),
  });
  await until(() => sub.state.state === "ready", "ready");
  return { sockets, states, sub };
}

/** A `window` and `document` a test controls: what a browser would fire. */
function browser() {
  const doc = Object.assign(new EventTarget(), { visibilityState: "visible" });
  return { window: new EventTarget(), document: doc };
}

describe("client SDK subscription state", () => {
  it("reports connecting, ready with its seq, reconnecting with when and which attempt, ready again, closed", async () => {
    const user = await newUser({ assistants: 1 });
    const writer = client(user);
    const [a] = (await writer.getAssistants()).assistants;
    const { sockets, states, sub } = await subscribedReady(user);
    expect(states).toEqual([{ state: "connecting", attempt: 0 }, { state: "ready", seq: 1 }]); // the key save took seq 1

    let release!: () => void;
    sockets.gate = new Promise((r) => (release = r));
    const dropped = Date.now();
    sockets.opened[0]!.close(1011, "network drop");
    await until(() => sub.state.state === "connecting", "the next attempt");
    const waiting = states[2];
    expect(waiting).toMatchObject({ state: "reconnecting", attempt: 1 });
    expect(waiting?.state === "reconnecting" && waiting.at).toBeGreaterThanOrEqual(dropped);
    expect(states[3]).toEqual({ state: "connecting", attempt: 1 });

    await writer.updateAssistant(a!.id, { name: "while away" });
    release();
    await until(() => sub.state.state === "ready", "ready again");
    expect(sub.state).toEqual({ state: "ready", seq: 2 });
    sub.close();
    expect(sub.state).toEqual({ state: "closed", reason: "caller" });
    expect(names(states)).toEqual(["connecting", "ready", "reconnecting", "connecting", "ready", "closed"]);
  });

  it("a refused token: token() is asked once more, one more attempt, then closed as unauthorized, with no retries after", async () => {
    const user = await newUser();
    const refused = await token(uid(), "-1m"); // expired: HTTP and the socket both refuse it
    let asked = 0;
    const probes: number[] = [];
    const sockets: Sockets = { opened: [] };
    const states: SubscriptionState[] = [];
    const sdk = client(user, { token: () => (asked++, refused), fetch: workerFetch(probes), webSocket: workerSockets(sockets) });
    const sub = sdk.subscribe(() => undefined, { minDelayMs: 10, onState: (s) => states.push(s) });
    await until(() => sub.state.state === "closed", "closed");

    expect(sub.state).toMatchObject({ state: "closed", reason: "unauthorized", error: { status: 401, code: "unauthorized" } });
    expect(asked).toBe(2);
    expect(sockets.attempts).toBe(2);
    expect(probes).toEqual([401, 401]);
    expect(names(states)).toEqual(["connecting", "connecting", "closed"]);
  });

  it("a refused token that token() renews: the fresh one connects", async () => {
    const user = await newUser();
    const refused = await token(uid(), "-1m");
    let asked = 0;
    const sockets: Sockets = { opened: [] };
    const sub = client(user, { token: () => (asked++ === 0 ? refused : user.token), webSocket: workerSockets(sockets) }).subscribe(
      () => undefined,
      { minDelayMs: 10 },
    );
    await until(() => sub.state.state === "ready", "ready");
    expect([asked, sockets.attempts]).toEqual([2, 2]);
    sub.close();
  });

  it("closed by the service with 4429 (too many sockets for this user): reported as replaced, never reconnected", async () => {
    const user = await newUser();
    const { sockets, states, sub } = await subscribedReady(user);
    // The coordinator echoes the close code, so the tab's socket sees the service close it with 4429.
    sockets.opened[0]!.close(4429, "too many sockets");
    await until(() => sub.state.state === "closed", "closed");
    expect(sub.state).toEqual({ state: "closed", reason: "replaced" });
    expect(names(states)).toEqual(["connecting", "ready", "closed"]);
    expect(sockets.attempts).toBe(1);
  });

  it("reconnects at once on `online` and when a hidden tab becomes visible, instead of waiting out the backoff", async () => {
    const user = await newUser();
    const env = browser();
    const sockets: Sockets = { opened: [] };
    // A backoff no test would wait out: only the browser's signals can bring the socket back.
    const sub = client(user, { webSocket: workerSockets(sockets) }).subscribe(() => undefined, {
      minDelayMs: 600_000,
      maxDelayMs: 600_000,
      environment: env,
    });
    await until(() => sub.state.state === "ready", "ready");

    sockets.opened[0]!.close(1011, "offline");
    await until(() => sub.state.state === "reconnecting", "reconnecting");
    env.window.dispatchEvent(new Event("online"));
    expect(sub.state).toEqual({ state: "connecting", attempt: 1 });
    await until(() => sub.state.state === "ready", "ready after online");

    sockets.opened[1]!.close(1011, "laptop lid closed");
    await until(() => sub.state.state === "reconnecting", "reconnecting");
    env.document.visibilityState = "hidden";
    env.document.dispatchEvent(new Event("visibilitychange"));
    expect(sub.state.state).toBe("reconnecting");
    env.document.visibilityState = "visible";
    env.document.dispatchEvent(new Event("visibilitychange"));
    expect(sub.state.state).toBe("connecting");
    await until(() => sub.state.state === "ready", "ready after visible");

    sub.close();
    env.window.dispatchEvent(new Event("online"));
    expect(sub.state.state).toBe("closed");
    expect(sockets.attempts).toBe(3);
  });

  it("marks the events of this instance's writes as own, by the client id it sends; another instance's are not", async () => {
    const user = await newUser({ assistants: 1 });
    const tab = client(user, { webSocket: workerSockets({ opened: [] }) });
    const other = client(user, { clientId: "other-tab_1" });
    expect(tab.clientId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(client(user).clientId).not.toBe(tab.clientId);
    expect(() => client(user, { clientId: "not a valid id" })).toThrow(TypeError);
    const [a] = (await tab.getAssistants()).assistants;
    const events: ChangeEvent[] = [];
    const sub = tab.subscribe((e) => events.push(e));
    await until(() => sub.state.state === "ready", "ready");

    await tab.updateAssistant(a!.id, { name: "mine" });
    await other.updateAssistant(a!.id, { name: "theirs" });
    const created = await tab.createAssistant({ name: "new" });
    await other.deleteAssistant(created.assistant.id);
    await until(() => events.length >= 4, "four events");
    sub.close();
    expect(events.map((e) => (e.type === "resync" ? [e.type] : [e.type, e.own, e.clientId]))).toEqual([
      ["updated", true, tab.clientId],
      ["updated", false, "other-tab_1"],
      ["created", true, tab.clientId],
      ["deleted", false, "other-tab_1"],
    ]);
  });

  it("offers vapi-edge-cache.v2 first and delivers the same events from a service that answers v1 (from before v2)", async () => {
    const user = await newUser({ assistants: 1 });
    const writer = client(user);
    const [a] = (await writer.getAssistants()).assistants;
    const fromV2: ChangeEvent[] = [];
    const fromV1: ChangeEvent[] = [];
    // The harness checks the answered subprotocol: v2 for the SDK's offer, v1 where the v2 offer is dropped.
    const subs = [
      client(user, { webSocket: workerSockets({ opened: [] }) }).subscribe((e) => fromV2.push(e)),
      client(user, { webSocket: workerSockets({ opened: [], v1Only: true }) }).subscribe((e) => fromV1.push(e)),
    ];
    await until(() => subs.every((s) => s.state.state === "ready"), "both ready");

    await writer.updateAssistant(a!.id, { name: "renamed" });
    const created = await writer.createAssistant({ name: "new" });
    await writer.deleteAssistant(created.assistant.id);
    await until(() => fromV2.length >= 3 && fromV1.length >= 3, "three events each");
    for (const s of subs) s.close();
    expect(fromV1).toEqual(fromV2);
    expect(fromV2.map((e) => (e.type === "resync" ? e.type : [e.type, e.resource, e.id]))).toEqual([
      ["updated", "assistant", a!.id],
      ["created", "assistant", created.assistant.id],
      ["deleted", "assistant", created.assistant.id],
    ]);
    const updated = fromV2[0]!;
    if (updated.type !== "updated") throw new Error("unreachable");
    expect(updated.item).toEqual(updated.assistant);
    expect(updated.assistant.name).toBe("renamed");
  });
});
