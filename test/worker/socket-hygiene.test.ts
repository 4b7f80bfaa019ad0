import { createExecutionContext, evictDurableObject, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../src/index";
import { call, configure, ErrorBody, listBody, newUser, stubFor, token, uid } from "./helpers";
import { type Message, openTab } from "./tabs";

const DASHBOARD = "https://dashboard.example";
const isEvent = (m: Message) => m.type === "created" || m.type === "updated" || m.type === "deleted";
const upgrade = (origin?: string) => ({ Upgrade: "websocket", ...(origin ? { Origin: origin } : {}) });

/** Sockets the user's coordinator holds open (the hibernation API's own list). */
const openSockets = (sub: string) =>
  runInDurableObject(stubFor(sub), (_obj, state) => state.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN).length);

/** The events upgrade as a deployment with CORS_ORIGINS set would answer it. */
async function upgradeWith(corsOrigins: string, t: string, origin: string) {
  const ctx = createExecutionContext();
  const req = new Request(`http://cache.test/api/assistants/events?token=${t}`, { headers: upgrade(origin) });
  const res = await app.fetch(req, { ...env, CORS_ORIGINS: corsOrigins }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("events socket: the CORS origin policy", () => {
  it("refuses a browser page on another origin with 403 before the token is looked at, and opens no socket", async () => {
    const user = await newUser();
    for (const origin of ["https://evil.example", "null", "http://cache.test.evil.example"]) {
      const res = await call(`/api/assistants/events?token=${user.token}`, { headers: upgrade(origin) });
      expect([res.status, res.webSocket]).toEqual([403, null]);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("origin_not_allowed");
    }
    expect(await openSockets(user.sub)).toBe(0);
    // A forged token gets the same 403, not a 401: nothing about tokens is learned from another site.
    const forged = await call("/api/assistants/events?token=not.a.jwt", { headers: upgrade("https://evil.example") });
    expect(forged.status).toBe(403);
    // And a valid token of a new user provisions nothing.
    const sub = uid();
    const refused = await call(`/api/assistants/events?token=${await token(sub)}`, { headers: upgrade("https://evil.example") });
    expect(refused.status).toBe(403);
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(sub).first()).toBeNull();
  });

  it("opens for the service's own origin, for a client that sends no Origin, and for an origin in CORS_ORIGINS", async () => {
    const user = await newUser();
    const same = await openTab(user.token, { headers: { Origin: "http://cache.test" } });
    const native = await openTab(user.token);
    for (const tab of [same, native]) await tab.waitFor((m) => m.type === "ready");

    const listed = await upgradeWith(`https://other.example, ${DASHBOARD}`, user.token, DASHBOARD);
    expect(listed.status).toBe(101);
    listed.webSocket!.accept();
    // The same list refuses what it does not name, and the service's own origin stays allowed.
    expect((await upgradeWith(DASHBOARD, user.token, "https://evil.example")).status).toBe(403);
    const own = await upgradeWith(DASHBOARD, user.token, "http://cache.test");
    expect(own.status).toBe(101);
    own.webSocket!.accept();
    expect(await openSockets(user.sub)).toBe(4);
    for (const ws of [same.ws, native.ws, listed.webSocket!, own.webSocket!]) ws.close(1000, "done");
  });
});

describe("events socket: per-user cap (EVENTS_MAX_SOCKETS)", () => {
  it("a socket past the cap closes the user's oldest with 4429, and the newest receives events, also after the object slept", async () => {
    const user = await newUser({ assistants: 1 });
    const other = await newUser();
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await configure(user, { vars: { EVENTS_MAX_SOCKETS: "3" } });
    const tabs = [];
    for (let i = 0; i < 3; i++) {
      const tab = await openTab(user.token);
      await tab.waitFor((m) => m.type === "ready");
      tabs.push(tab);
    }
    const otherTab = await openTab(other.token);
    // The object loses its memory, as when it hibernates; the sockets and what they carry stay.
    await evictDurableObject(stubFor(user.sub));
    await configure(user, { vars: { EVENTS_MAX_SOCKETS: "3" } });
    const newest = await openTab(user.token);
    expect(await tabs[0]!.waitClosed()).toEqual({ code: 4429, reason: "too many open sockets" });

    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "after the cap" } });
    for (const tab of [newest, tabs[1]!, tabs[2]!]) {
      expect(await tab.waitFor(isEvent)).toMatchObject({ type: "updated", id: a!.id });
    }
    expect(tabs[0]!.messages.filter(isEvent)).toEqual([]);
    expect(await openSockets(user.sub)).toBe(3);

    // Oldest first, by the order they opened in: the next one closes the second, not a newer one.
    const next = await openTab(user.token);
    expect(await tabs[1]!.waitClosed()).toEqual({ code: 4429, reason: "too many open sockets" });
    await next.waitFor((m) => m.type === "ready");
    expect(await openSockets(user.sub)).toBe(3);
    // Another user's sockets are theirs: untouched.
    expect(await openSockets(other.sub)).toBe(1);
    for (const tab of [tabs[2]!, newest, next, otherTab]) tab.ws.close(1000, "done");
  });
});

describe("events socket: open budget (RATE_LIMIT_SOCKET_OPENS_*)", () => {
  it("opens past the burst are 429 rate_limited with Retry-After, before any upgrade; other users are unaffected", async () => {
    const user = await newUser();
    const other = await newUser();
    // One open every 10 s (slow enough for a loaded machine), two at once.
    for (const u of [user, other]) await configure(u, { vars: { RATE_LIMIT_SOCKET_OPENS_PER_MINUTE: "6", RATE_LIMIT_SOCKET_OPENS_BURST: "2" } });
    const first = await openTab(user.token);
    const second = await openTab(user.token, { after: 0 });
    const refused = await call(`/api/assistants/events?token=${user.token}&after=0`, { headers: upgrade() });
    expect([refused.status, refused.webSocket]).toEqual([429, null]);
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(ErrorBody.parse(await refused.json()).error.code).toBe("rate_limited");
    expect(await openSockets(user.sub)).toBe(2);

    const others = await openTab(other.token);
    await others.waitFor((m) => m.type === "ready");
    for (const tab of [first, second, others]) tab.ws.close(1000, "done");
  });
});

describe("events socket: identity", () => {
  // Issue 18, item 11: the Worker must forward the verified `sub`, never a client's X-Cache-User.
  it("a client-sent X-Cache-User naming another user is ignored: the socket gets its own user's events only", async () => {
    const alice = await newUser({ assistants: 1 });
    const bob = await newUser({ assistants: 1 });
    const [mine] = (await listBody(await alice.req("/api/assistants"))).assistants;
    const [bobs] = (await listBody(await bob.req("/api/assistants"))).assistants;
    const tab = await openTab(alice.token, { headers: { "X-Cache-User": bob.sub } });
    await tab.waitFor((m) => m.type === "ready");

    expect((await bob.req(`/api/assistants/${bobs!.id}`, { method: "PATCH", json: { name: "Bob's" } })).status).toBe(200);
    expect((await alice.req(`/api/assistants/${mine!.id}`, { method: "PATCH", json: { name: "Alice's" } })).status).toBe(200);
    await tab.waitFor(isEvent);
    expect(tab.messages.filter(isEvent).map((m) => ("id" in m ? m.id : ""))).toEqual([mine!.id]);
    expect(JSON.stringify(tab.messages)).not.toContain(bobs!.id);
    // Alice's cache is still Alice's.
    expect((await listBody(await alice.req("/api/assistants"))).assistants.map((x) => x.id)).toEqual([mine!.id]);
    tab.ws.close(1000, "done");
  });
});
