import { describe, expect, it } from "vitest";
import { KeySessions, SessionChanged } from "../../durable-objects/key-session";

describe("KeySessions", () => {
  it("reads a session's key once and keeps it", async () => {
    const keys = new KeySessions();
    let reads = 0;
    const read = async () => (reads++, "sk-1");
    expect(await keys.keyOf(keys.current, read)).toBe("sk-1");
    expect(await keys.keyOf(keys.current, read)).toBe("sk-1");
    expect(reads).toBe(1);
  });

  it("joins a key read under way (a start's prefetch and the request that needs the key), and reads again after a failure", async () => {
    const keys = new KeySessions();
    let reads = 0;
    let finish!: (key: string) => void;
    const early = keys.keyOf(keys.current, () => (reads++, new Promise<string>((r) => (finish = r))));
    const late = keys.keyOf(keys.current, async () => (reads++, "unused"));
    finish("sk-1");
    expect(await Promise.all([early, late])).toEqual(["sk-1", "sk-1"]);
    expect(reads).toBe(1);

    const other = new KeySessions();
    await expect(other.keyOf(other.current, () => Promise.reject(new Error("D1 down")))).rejects.toThrow("D1 down");
    expect(await other.keyOf(other.current, async () => "sk-2")).toBe("sk-2");
  });

  it("discards a key read that finishes after a switch, and never stores it", async () => {
    const keys = new KeySessions();
    const before = keys.current;
    let finish!: (key: string) => void;
    const pending = keys.keyOf(before, () => new Promise<string>((r) => (finish = r)));
    const after = keys.switchTo("sk-new");
    finish("sk-old");
    await expect(pending).rejects.toBeInstanceOf(SessionChanged);
    expect(before.key).toBeUndefined();
    expect(keys.isCurrent(before)).toBe(false);
    expect(after.generation).toBe(before.generation + 1);
    expect(await keys.keyOf(keys.current, async () => "unused")).toBe("sk-new");
  });
});
