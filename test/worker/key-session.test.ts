import { describe, expect, it } from "vitest";
import { KeySessions, SessionChanged } from "../../durable-objects/key-session";
import { until } from "./gates";

describe("KeySessions", () => {
  it("reads a session's key once and keeps it", async () => {
    const keys = new KeySessions();
    let reads = 0;
    const read = async () => (reads++, "sk-1");
    expect(await keys.keyOf(keys.current, read)).toBe("sk-1");
    expect(await keys.keyOf(keys.current, read)).toBe("sk-1");
    expect(reads).toBe(1);
  });

  it("hands a prefetched key read to the first use only; later uses meanwhile read for themselves; a failed prefetch goes unused", async () => {
    const keys = new KeySessions();
    let reads = 0;
    let finish!: (key: string) => void;
    keys.prefetch(keys.current, () => (reads++, new Promise<string>((r) => (finish = r))));
    const first = keys.keyOf(keys.current, async () => (reads++, "unused"));
    // A second use while the prefetch is still out (it may hang) does not wait for it.
    expect(await keys.keyOf(keys.current, async () => (reads++, "sk-1"))).toBe("sk-1");
    finish("sk-1");
    expect(await first).toBe("sk-1");
    expect(reads).toBe(2);

    const other = new KeySessions();
    other.prefetch(other.current, () => Promise.reject(new Error("D1 down")));
    await until(async () => {
      try {
        return (await other.keyOf(other.current, async () => "sk-2")) === "sk-2";
      } catch {
        return false;
      }
    }, "the failed prefetch to be dropped");
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
