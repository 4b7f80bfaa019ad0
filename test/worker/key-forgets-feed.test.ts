import { describe, expect, it } from "vitest";
import { admin, listBody, newUser, OneBody, type TestUser } from "./helpers";
import { type Message, openTab, seqOf, type Tab } from "./tabs";

const isEvent = (m: Message) => m.type === "created" || m.type === "updated" || m.type === "deleted";

/** Renames every assistant of the user's org to a unique name, waits until `tab` has seen the events, and returns the ids and names. */
async function editOldOrg(user: TestUser, tab: Tab) {
  const secrets: string[] = [];
  for (const a of (await listBody(await user.req("/api/assistants"))).assistants) {
    // Vapi names are at most 40 characters.
    const name = `old org ${crypto.randomUUID().slice(0, 13)}`;
    const res = await user.req(`/api/assistants/${a.id}`, { method: "PATCH", json: { name } });
    expect(OneBody.parse(await res.json()).assistant.name).toBe(name);
    secrets.push(a.id, name);
  }
  await tab.waitFor((m) => isEvent(m) && "id" in m && m.id === secrets.at(-2));
  return { secrets, lastSeq: tab.lastSeq() };
}

/** What a tab opened now with `?after=` receives up to `ready`. */
async function replayAfter(user: TestUser, after: number) {
  const tab = await openTab(user.token, { after });
  await tab.waitFor((m) => m.type === "ready");
  tab.ws.close(1000, "done");
  return tab.messages;
}

const leaks = (messages: Message[], secrets: string[]) => secrets.filter((s) => JSON.stringify(messages).includes(s));

describe("a key change forgets the change feed (issue 18, item 7)", () => {
  it("DELETE of the Vapi key: open tabs get resync, and a tab opened later replays nothing of the old org", async () => {
    const user = await newUser({ assistants: 2 });
    const tab = await openTab(user.token);
    const { secrets, lastSeq } = await editOldOrg(user, tab);

    expect((await user.req("/api/settings/vapi-key", { method: "DELETE" })).status).toBe(204);
    // The change takes a seq of its own: the sequence goes on, it never restarts.
    expect(await tab.waitFor((m) => m.type === "resync")).toEqual({ type: "resync", seq: lastSeq + 1 });

    for (const after of [0, 1, lastSeq - 1, lastSeq]) {
      const messages = await replayAfter(user, after);
      expect(messages).toEqual([
        { type: "resync", seq: lastSeq + 1 },
        { type: "ready", seq: lastSeq + 1 },
      ]);
      expect(leaks(messages, secrets)).toEqual([]);
    }
    // A tab that saw the resync is level: nothing to replay.
    expect(await replayAfter(user, lastSeq + 1)).toEqual([{ type: "ready", seq: lastSeq + 1 }]);
    tab.ws.close(1000, "done");
  });

  it("PUT of another org's key: open tabs get resync, the new org's events follow on the same sequence, the old org's never come back", async () => {
    const user = await newUser({ assistants: 2 });
    const tab = await openTab(user.token);
    const { secrets, lastSeq } = await editOldOrg(user, tab);
    // Saving the same key again is no change: the feed stays.
    expect((await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: user.key } })).status).toBe(204);
    expect((await replayAfter(user, lastSeq - 1)).filter(isEvent).map(seqOf)).toEqual([lastSeq]);

    const next = `sk-test-${crypto.randomUUID()}`;
    await admin.registerOrg({ privateKey: next, assistants: 1 });
    expect((await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: next } })).status).toBe(204);
    const resync = await tab.waitFor((m) => m.type === "resync");
    expect(resync).toEqual({ type: "resync", seq: lastSeq + 1 });

    const [fresh] = (await listBody(await user.req("/api/assistants"))).assistants;
    await user.req(`/api/assistants/${fresh!.id}`, { method: "PATCH", json: { name: "new org" } });
    expect(await tab.waitFor((m) => isEvent(m) && seqOf(m) > lastSeq + 1)).toMatchObject({ seq: lastSeq + 2, id: fresh!.id });

    for (const after of [0, lastSeq - 1, lastSeq]) {
      const messages = await replayAfter(user, after);
      expect(messages).toEqual([
        { type: "resync", seq: lastSeq + 2 },
        { type: "ready", seq: lastSeq + 2 },
      ]);
    }
    const resumed = await replayAfter(user, lastSeq + 1);
    expect(resumed.map((m) => [m.type, seqOf(m)])).toEqual([
      ["updated", lastSeq + 2],
      ["ready", lastSeq + 2],
    ]);
    expect(leaks([...resumed, ...tab.messages.slice(tab.messages.indexOf(resync))], secrets)).toEqual([]);
    tab.ws.close(1000, "done");
  });
});
