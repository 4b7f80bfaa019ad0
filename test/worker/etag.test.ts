import { describe, expect, it } from "vitest";
import { etagOf, ListEtag, matches } from "../../durable-objects/etag";
import type { Entry } from "../../durable-objects/hot-layer";

const entry = (name: string, updatedAt = "2026-01-01T00:00:00.000Z"): Entry => {
  const assistant = { id: "a", orgId: "o", createdAt: updatedAt, updatedAt, name };
  return { item: assistant, json: JSON.stringify(assistant), cachedAt: 0, version: Date.parse(updatedAt), writtenAtSeq: 0 };
};

describe("etag", () => {
  it("tells apart two versions written in the same millisecond, and is stable for one", () => {
    expect(etagOf(entry("x"))).toBe(etagOf(entry("x")));
    expect(etagOf(entry("x"))).not.toBe(etagOf(entry("y")));
    expect(etagOf(entry("x"))).not.toBe(etagOf(entry("x", "2026-01-01T00:00:00.001Z")));
  });

  it("a list's tag changes with the set, and is reused while the list string is the same", () => {
    const tags = new ListEtag();
    const json = '[{"id":"a"}]';
    expect(tags.of(json)).toBe(tags.of(json));
    expect(tags.of('[{"id":"a"},{"id":"b"}]')).not.toBe(tags.of(json));
  });

  it("If-None-Match compares weakly, If-Match strongly, and both accept lists and *", () => {
    expect(matches('"x", "y"', '"y"', false)).toBe(true);
    expect(matches('W/"y"', '"y"', true)).toBe(true);
    expect(matches('W/"y"', '"y"', false)).toBe(false);
    expect(matches("*", '"y"', false)).toBe(true);
    expect(matches('"x"', '"y"', true)).toBe(false);
  });
});
