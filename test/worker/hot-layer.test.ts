import { describe, expect, it } from "vitest";
import { HotLayer } from "../../durable-objects/hot-layer";
import type { Assistant } from "../../src/vapi/types";
import { assistants } from "../../core/resources/assistants";

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
    const hot = new HotLayer(assistants);
    hot.write(assistant("a", "written", 1_000), 1, 5);
    expect(hot.applyOne(assistant("a", "read before the write", 1_000), 0, 6)).toBeUndefined();
    expect(hot.get("a")?.item.name).toBe("written");
    expect(hot.get("a")?.cachedAt).toBe(5); // a fenced read does not vouch for the write either
    // A read begun after it with the same version confirms it: same content, fresher.
    expect(hot.applyOne(assistant("a", "written", 1_000), 1, 7)).toMatchObject({ changed: false });
    expect(hot.get("a")).toMatchObject({ cachedAt: 7, writtenAtSeq: 1 });
  });

  it("a write whose answer is older than the held version leaves the newer one", () => {
    const hot = new HotLayer(assistants);
    hot.applyOne(assistant("a", "v2", 2_000), 0, 5);
    const written = hot.write(assistant("a", "v1", 1_000), 1, 6);
    expect(written.item.name).toBe("v1");
    expect(hot.get("a")?.item.name).toBe("v2");
  });

  it("keeps a tombstone while an older refresh is in flight, and only then", () => {
    const hot = new HotLayer(assistants);
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
    const hot = new HotLayer(assistants);
    expect(hot.applyGone("a", 3, 4)).toBe(false); // not held: nothing removed, still fenced
    expect(hot.applyOne(assistant("a", "x", 1), 3, 5)).toBeUndefined();
    expect(hot.applyOne(assistant("a", "x", 1), 4, 6)).toBeDefined();
  });
});

describe("HotLayer unchanged revalidations", () => {
  it("keeps the held JSON, parsed object and list string, and only moves cachedAt forward", () => {
    const hot = new HotLayer(assistants);
    hot.applyList([assistant("a", "x", 1_000), assistant("b", "y", 1_000)], 0, 10, 1);
    const held = hot.get("a")!;
    const list = hot.listArrayJson();
    const { listBytes } = hot.memory();
    const outcome = hot.applyList([{ ...held.item }, assistant("b", "y", 1_000)], 1, 20, 2);
    expect(outcome).toEqual({ upserted: [], touched: 2, dropped: [] });
    expect(hot.get("a")).toBe(held);
    expect(hot.get("a")!.item).toBe(held.item);
    expect(held.cachedAt).toBe(20);
    // Not invalidated: the built list string is still held (a dropped one counts 0 bytes until
    // rebuilt), so the next list hit reuses it.
    expect(listBytes).toBeGreaterThan(0);
    expect(hot.memory().listBytes).toBe(listBytes);
    expect(hot.listArrayJson()).toBe(list);
  });

  it("still replaces, and reports for D1, an assistant whose version moved", () => {
    const hot = new HotLayer(assistants);
    hot.applyList([assistant("a", "x", 1_000), assistant("b", "y", 1_000)], 0, 10, 1);
    const outcome = hot.applyList([assistant("a", "x2", 2_000), assistant("b", "y", 1_000)], 1, 20, 2);
    expect(outcome.upserted.map((e) => e.item.name)).toEqual(["x2"]);
    expect(outcome.touched).toBe(1);
    expect(hot.listArrayJson()).toContain('"x2"');
  });

  it("never moves cachedAt backwards (a refresh that started before the last write)", () => {
    const hot = new HotLayer(assistants);
    hot.applyOne(assistant("a", "x", 1_000), 0, 50);
    expect(hot.applyOne(assistant("a", "x", 1_000), 0, 40)).toMatchObject({ changed: false });
    expect(hot.get("a")!.cachedAt).toBe(50);
  });

  it("after a restart, a row confirmed by the last list sync is as fresh as that sync", () => {
    const hot = new HotLayer(assistants);
    const row = { id: "a", json: JSON.stringify(assistant("a", "x", 1_000)), cachedAt: 100, updatedAt: 1_000 };
    hot.hydrate([row, { ...row, id: "b", cachedAt: 900 }], 500);
    expect(hot.get("a")!.cachedAt).toBe(500);
    expect(hot.get("b")!.cachedAt).toBe(900); // written after the sync: its own time
  });
});

describe("HotLayer memory counting", () => {
  it("counts each JSON string and the list string while it is built, two bytes a character beyond Latin-1", () => {
    const hot = new HotLayer(assistants);
    const a = assistant("a", "plain", 1_000);
    const b = assistant("b", "日本語の名前", 1_000);
    hot.applyList([a, b], 0, 1, 1);
    const jsonA = JSON.stringify(a).length;
    const jsonB = JSON.stringify(b).length * 2;
    expect(hot.memory()).toMatchObject({ entries: 2, bytes: jsonA + jsonB, jsonBytes: jsonA + jsonB, listBytes: 0 });
    const list = hot.listArrayJson();
    const listBytes = list.length * 2 + hot.listEtagsJson().length; // the validators are ASCII
    expect(hot.memory()).toMatchObject({ listBytes, bytes: jsonA + jsonB + listBytes });
    hot.delete("b", 2);
    expect(hot.memory()).toMatchObject({ entries: 1, bytes: jsonA, jsonBytes: jsonA, listBytes: 0 });
  });
});

describe("HotLayer memory budget", () => {
  const sized = (n: number) => {
    const hot = new HotLayer(assistants);
    const items = Array.from({ length: n }, (_, i) => assistant(`id-${i}`, `n${i}`, 1_000));
    hot.applyList(items, 0, 1, 1);
    return { hot, items, each: JSON.stringify(items[0]).length };
  };

  it("drops the list string first, then the least recently used payloads, until the strings fit", () => {
    const { hot, each } = sized(10);
    hot.listArrayJson();
    hot.get("id-0"); // used last: most recently used
    expect(hot.trim(each * 4 + 1)).toBe(6);
    const m = hot.memory();
    expect(m).toMatchObject({ entries: 10, resident: 4, listBytes: 0, evictions: 6 });
    expect(m.bytes).toBeLessThanOrEqual(each * 4 + 1);
    expect(hot.evicted()).toEqual(["id-1", "id-2", "id-3", "id-4", "id-5", "id-6"]);
    expect(hot.get("id-0")).toBeDefined();
  });

  it("skips pinned ids (reads in flight)", () => {
    const { hot, each } = sized(4);
    hot.trim(each * 2, new Map([["id-0", 1]]));
    expect(hot.evicted()).toEqual(["id-1", "id-2"]);
  });

  it("an id whose payload was dropped is still held, fenced and versioned", () => {
    const { hot, items } = sized(3);
    const tag = hot.etag("id-0");
    hot.trim(0);
    expect(hot.has("id-0")).toBe(true);
    expect(hot.get("id-0")).toBeUndefined();
    expect(hot.etag("id-0")).toBe(tag);
    // An older read cannot replace it, a refresh begun before a later write cannot either.
    expect(hot.applyOne(assistant("id-0", "older", 500), 1, 2)).toBeUndefined();
    hot.write(assistant("id-1", "written", 2_000), 2, 3);
    hot.trim(0);
    expect(hot.applyOne(assistant("id-1", "read before the write", 3_000), 1, 4)).toBeUndefined();
    // A delete leaves no stub, and its tombstone fences an older refresh.
    hot.delete("id-2", 3);
    expect(hot.has("id-2")).toBe(false);
    expect(hot.applyOne(items[2]!, 2, 5)).toBeUndefined();
    // The same version confirmed by a refresh brings the payload back, with nothing to persist.
    expect(hot.applyOne(items[0]!, 3, 6)).toMatchObject({ changed: false });
    expect(hot.get("id-0")?.item).toEqual(items[0]);
  });

  it("takes a payload back from D1 only for exactly the version it holds", () => {
    const { hot, items } = sized(2);
    hot.trim(0);
    const row = (a: Assistant, updatedAt: number) => ({ id: a.id, json: JSON.stringify(a), cachedAt: 0, updatedAt });
    hot.restore([row(items[0]!, 1_000), row({ ...items[1]!, name: "old" }, 900)]);
    expect(hot.get("id-0")?.item).toEqual(items[0]);
    expect(hot.get("id-0")?.cachedAt).toBe(1); // memory's freshness, not the row's
    expect(hot.get("id-1")).toBeUndefined();
    expect(() => hot.listArrayJson()).toThrow();
  });
});
