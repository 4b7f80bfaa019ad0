// The SDK as a Node dashboard backend runs it: Node's own `fetch` and `WebSocket` over loopback
// against `wrangler dev` (issue 18). Node's fetch adds `Cache-Control: no-cache` and
// `Pragma: no-cache` to every request carrying If-None-Match, which a test calling the Worker's
// handler directly never sees: repeat reads must still be cache hits.
import { describe, expect, it } from "vitest";
import { type ChangeEvent, ConflictError, type SubscriptionState } from "../../packages/client/src/index.ts";
import { admin, eventually, newUser } from "./helpers.ts";

describe("the SDK in Node over real HTTP", () => {
  it("12 repeat getAssistant(id) calls cost Vapi nothing after the first read", async () => {
    const user = await newUser();
    const sdk = user.client();
    const id = user.ids[0]!;
    const first = await sdk.getAssistant(id);
    const before = await user.vapiCalls();
    const repeats = [];
    for (let i = 0; i < 12; i++) repeats.push(await sdk.getAssistant(id));
    const calls = (await user.vapiCalls()) - before;
    console.log(`[figure] Node fetch: Vapi calls for 12 repeat getAssistant(id) reads after the first: ${calls}`);
    expect(calls).toBe(0);
    for (const r of repeats) expect(r).toMatchObject({ assistant: first.assistant, etag: first.etag, cached: true });
  });

  it("15 repeat getAssistants() calls cost Vapi nothing after the first read", async () => {
    const user = await newUser();
    const sdk = user.client();
    const first = await sdk.getAssistants();
    expect(first.assistants.map((a) => a.id).sort()).toEqual([...user.ids].sort());
    const before = await user.vapiCalls();
    for (let i = 0; i < 15; i++) expect((await sdk.getAssistants()).assistants).toEqual(first.assistants);
    const calls = (await user.vapiCalls()) - before;
    console.log(`[figure] Node fetch: Vapi calls for 15 repeat getAssistants() reads after the first: ${calls}`);
    expect(calls).toBe(0);
  });

  it("a rename by one client reaches another client's subscription", async () => {
    const user = await newUser();
    const id = user.ids[0]!;
    const events: ChangeEvent[] = [];
    const states: SubscriptionState[] = [];
    const sub = user.client().subscribe((e) => events.push(e), { onState: (s) => states.push(s) });
    try {
      await eventually(states, (s) => s.state === "ready", "the subscription's ready state");
      const writer = user.client();
      const { etag } = await writer.getAssistant(id);
      const renamed = await writer.updateAssistant(id, { name: "Renamed in Node" }, { expected: etag });
      const seen = await eventually(events, (e) => e.type === "updated" && e.id === id, "the rename's event");
      expect(seen).toMatchObject({ origin: "write", etag: renamed.etag, assistant: { name: "Renamed in Node" } });
    } finally {
      sub.close();
    }
  });

  it("concurrent edits of one version from several clients: exactly one wins, the others get it as a ConflictError", async () => {
    const user = await newUser(1);
    const id = user.ids[0]!;
    const { etag } = await user.client().getAssistant(id);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => user.client().updateAssistant(id, { name: `Edit ${i}` }, { expected: etag })),
    );
    const winners = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const losers = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    expect(winners).toHaveLength(1);
    for (const err of losers) {
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ current: { name: winners[0]!.assistant.name }, currentEtag: winners[0]!.etag });
    }
    const vapi = await admin.assistants(user.key);
    expect(vapi[0]!.name).toBe(winners[0]!.assistant.name);
  });
});
