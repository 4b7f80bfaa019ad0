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
