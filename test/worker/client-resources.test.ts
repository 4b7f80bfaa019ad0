import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, type ResourceChangeEvent } from "../../packages/client/src/index.ts";
import { admin, newUser } from "./helpers";
import { until } from "./gates";
import { client, workerFetch, workerSockets } from "./sdk-harness";

describe("client SDK: phone numbers, tools and squads", () => {
  it("lists with a 304 on its own copy, edits with expected, refuses a stale one with ConflictError, deletes", async () => {
    const user = await newUser({ assistants: 1 });
    const [assistant] = await admin.assistants(user.key);
    const statuses: number[] = [];
    const sdk = client(user, { fetch: workerFetch(statuses) });
    const created = await sdk.phoneNumbers.create({ provider: "vapi", name: "Support", assistantId: assistant!.id });
    expect(created.item.assistantId).toBe(assistant!.id);

    const first = await sdk.phoneNumbers.list();
    const again = await sdk.phoneNumbers.list();
    expect(again.items).toEqual(first.items);
    expect(again.cached).toBe(true);
    expect(statuses.slice(-2)).toEqual([200, 304]);

    const id = created.item.id;
    const updated = await sdk.phoneNumbers.update(id, { name: "Sales" }, { expected: first.etags[id] });
    expect(updated.item.name).toBe("Sales");
    const stale = await client(user).phoneNumbers.update(id, { name: "Other tab" }, { expected: first.etags[id] }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).current.name).toBe("Sales");

    const tool = await sdk.tools.create({ type: "endCall" });
    expect((await sdk.tools.get(tool.item.id)).item.type).toBe("endCall");
    await sdk.tools.delete(tool.item.id, { expected: tool.etag });
    await expect(sdk.tools.get(tool.item.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("subscribeTo delivers the named resources' changes (with resource and item), or all; subscribe stays assistants'", async () => {
    const user = await newUser({ assistants: 1 });
    const [assistant] = await admin.assistants(user.key);
    const writer = client(user);
    const open = (resources: Parameters<typeof writer.subscribeTo>[0]) => {
      const events: ResourceChangeEvent[] = [];
      const sub = client(user, { webSocket: workerSockets({ opened: [] }) }).subscribeTo(resources, (e) => events.push(e));
      return { events, sub };
    };
    const squads = open(["squad"]);
    const all = open("all");
    const assistantsOnly: unknown[] = [];
    const legacy = client(user, { webSocket: workerSockets({ opened: [] }) }).subscribe((e) => assistantsOnly.push(e));
    await until(() => squads.sub.lastSeq !== undefined && all.sub.lastSeq !== undefined && legacy.lastSeq !== undefined, "ready");

    await writer.tools.create({ type: "endCall" });
    const squad = await writer.squads.create({ name: "Desk", members: [{ assistantId: assistant!.id }] });
    await writer.updateAssistant(assistant!.id, { name: "Renamed" });
    await until(() => all.events.length >= 3 && squads.events.length >= 1 && assistantsOnly.length >= 1, "the events");

    expect(all.events.map((e) => ("resource" in e ? e.resource : e.type))).toEqual(["tool", "squad", "assistant"]);
    expect(squads.events).toEqual([expect.objectContaining({ type: "created", resource: "squad", id: squad.item.id, item: squad.item, own: false })]);
    expect(assistantsOnly).toEqual([expect.objectContaining({ type: "updated", resource: "assistant", id: assistant!.id })]);
    for (const s of [squads.sub, all.sub, legacy]) s.close();
  });
});
