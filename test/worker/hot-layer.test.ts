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
    expect(hot.applyOne(assistant("a", "read after it", 1_000), 1, 7)?.assistant.name).toBe("read after it");
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
