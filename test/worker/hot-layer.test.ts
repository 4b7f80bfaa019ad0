import { describe, expect, it } from "vitest";
import { HotLayer } from "../../durable-objects/hot-layer";
import type { Assistant } from "../../src/vapi/types";

const at = (ms: number) => new Date(ms).toISOString();
const assistant = (id: string, name: string, updatedMs: number): Assistant => ({
  id,
  orgId: "org",
  createdAt: at(0),
  updatedAt: at(updatedMs),
  name,
});

describe("HotLayer fencing rules", () => {
  // Vapi's updatedAt has millisecond resolution: a read just before a write in the same ms
  // carries the same version, and only the write counter tells them apart.
  it("a refresh begun before a write never replaces it, even with the same updatedAt", () => {
    const hot = new HotLayer();
    hot.write(assistant("a", "written", 1_000), 1, 5);
    expect(hot.applyOne(assistant("a", "read before the write", 1_000), 0, 6)).toBeUndefined();
    expect(hot.get("a")?.assistant.name).toBe("written");
    expect(hot.get("a")?.cachedAt).toBe(5); // a fenced read does not vouch for the write either
    // A read begun after it with the same version confirms it: same content, fresher.
    expect(hot.applyOne(assistant("a", "written", 1_000), 1, 7)).toMatchObject({ changed: false });
    expect(hot.get("a")).toMatchObject({ cachedAt: 7, ackedAt: 1 });
  });

  it("a write whose answer is older than the held version leaves the newer one", () => {
    const hot = new HotLayer();
    hot.applyOne(assistant("a", "v2", 2_000), 0, 5);
    const written = hot.write(assistant("a", "v1", 1_000), 1, 6);
    expect(written.assistant.name).toBe("v1");
    expect(hot.get("a")?.assistant.name).toBe("v2");
  });

  it("keeps a tombstone while an older refresh is in flight, and only then", () => {
    const hot = new HotLayer();
    hot.applyOne(assistant("a", "x", 1), 0, 1);
    hot.applyOne(assistant("b", "y", 1), 0, 1);
    hot.delete("a", 1);
    hot.delete("b", 2);
    hot.pruneTombstones(1); // a refresh that started at 1 is in flight: it must not re-add b
    expect(hot.applyOne(assistant("b", "y", 1), 1, 2)).toBeUndefined();
    expect(hot.applyOne(assistant("a", "x", 1), 1, 2)).toBeDefined(); // a's tombstone was pruned
    hot.pruneTombstones(Number.POSITIVE_INFINITY);
    expect(hot.applyOne(assistant("b", "y", 1), 0, 3)).toBeDefined();
  });

  it("a gone id's tombstone keeps an older refresh from re-adding it", () => {
    const hot = new HotLayer();
    expect(hot.applyGone("a", 3, 4)).toBe(false); // not held: nothing removed, still fenced
    expect(hot.applyOne(assistant("a", "x", 1), 3, 5)).toBeUndefined();
    expect(hot.applyOne(assistant("a", "x", 1), 4, 6)).toBeDefined();
  });
});

describe("HotLayer unchanged revalidations", () => {
  it("keeps the held JSON, parsed object and list string, and only moves cachedAt forward", () => {
    const hot = new HotLayer();
    hot.applyList([assistant("a", "x", 1_000), assistant("b", "y", 1_000)], 0, 10, 1);
    const held = hot.get("a")!;
    const list = hot.listArrayJson();
    const outcome = hot.applyList([{ ...held.assistant }, assistant("b", "y", 1_000)], 1, 20, 2);
    expect(outcome).toEqual({ upserted: [], touched: 2, dropped: [] });
    expect(hot.get("a")).toBe(held);
    expect(hot.get("a")!.assistant).toBe(held.assistant);
    expect(held.cachedAt).toBe(20);
    expect(hot["listJson"]).toBe(list); // not invalidated: the next list hit reuses it
  });

  it("still replaces, and reports for D1, an assistant whose version moved", () => {
    const hot = new HotLayer();
    hot.applyList([assistant("a", "x", 1_000), assistant("b", "y", 1_000)], 0, 10, 1);
    const outcome = hot.applyList([assistant("a", "x2", 2_000), assistant("b", "y", 1_000)], 1, 20, 2);
    expect(outcome.upserted.map((e) => e.assistant.name)).toEqual(["x2"]);
    expect(outcome.touched).toBe(1);
    expect(hot.listArrayJson()).toContain('"x2"');
  });

  it("never moves cachedAt backwards (a refresh that started before the last write)", () => {
    const hot = new HotLayer();
    hot.applyOne(assistant("a", "x", 1_000), 0, 50);
    expect(hot.applyOne(assistant("a", "x", 1_000), 0, 40)).toMatchObject({ changed: false });
    expect(hot.get("a")!.cachedAt).toBe(50);
  });

  it("after a restart, a row confirmed by the last list sync is as fresh as that sync", () => {
    const hot = new HotLayer();
    const row = { id: "a", json: JSON.stringify(assistant("a", "x", 1_000)), cachedAt: 100, updatedAt: 1_000 };
    hot.hydrate([row, { ...row, id: "b", cachedAt: 900 }], 500);
    expect(hot.get("a")!.cachedAt).toBe(500);
    expect(hot.get("b")!.cachedAt).toBe(900); // written after the sync: its own time
  });
});

describe("HotLayer memory counting", () => {
  it("counts each JSON string and the list string while it is built, two bytes a character beyond Latin-1", () => {
    const hot = new HotLayer();
    const a = assistant("a", "plain", 1_000);
    const b = assistant("b", "日本語の名前", 1_000);
    hot.applyList([a, b], 0, 1, 1);
    const jsonA = JSON.stringify(a).length;
    const jsonB = JSON.stringify(b).length * 2;
    expect(hot.memory()).toEqual({ entries: 2, bytes: jsonA + jsonB, jsonBytes: jsonA + jsonB, listBytes: 0 });
    const list = hot.listArrayJson();
    expect(hot.memory()).toMatchObject({ listBytes: list.length * 2, bytes: jsonA + jsonB + list.length * 2 });
    hot.delete("b", 2);
    expect(hot.memory()).toEqual({ entries: 1, bytes: jsonA, jsonBytes: jsonA, listBytes: 0 });
  });
});
