import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { changed, externalChanges, snapshot } from "../../durable-objects/changes";
import { EventLog } from "../../durable-objects/event-log";
import { HotLayer } from "../../durable-objects/hot-layer";
import { protocolOf } from "../../durable-objects/sockets";
import { assistants } from "../../core/resources/assistants";
import { refreshDueAt } from "../../durable-objects/refresh-ahead";
import { stubFor, uid } from "./helpers";

const assistant = (id: string, name: string, updatedAt = "2026-01-01T00:00:00.000Z") => ({
  id,
  orgId: "o",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt,
  name,
});

/** The messages a socket receives, through a real WebSocketPair (the server end accepted by `accept`). */
function socket(accept = (ws: WebSocket) => ws.accept()) {
  const { 0: client, 1: server } = new WebSocketPair();
  const got: unknown[] = [];
  client.addEventListener("message", (e) => {
    got.push(JSON.parse(String(e.data)));
  });
  accept(server);
  client.accept();
  /** The messages once `count` have arrived (an exact list is then asserted: one too many fails it too). */
  const settled = (count: number) => vi.waitFor(() => (expect(got.length).toBeGreaterThanOrEqual(count), [...got]), { interval: 5 });
  return { server, settled };
}

describe("EventLog", () => {
  it("numbers events per user, replays what a socket missed, and keeps only the last `size`", async () => {
    await runInDurableObject(stubFor(uid()), async (_obj, state) => {
      const log = new EventLog(state, () => 3, protocolOf);
      const hot = new HotLayer(assistants);
      for (const name of ["a", "b", "c", "d"]) {
        log.publish([changed("assistant", "updated", hot.write(assistant("x", name), 1, 0), "write")]);
      }
      expect(log.seq).toBe(4);
      const resumed = socket();
      log.catchUp(resumed.server, 2);
      const replay = await resumed.settled(3);
      expect(replay.map((m) => (m as { seq: number }).seq)).toEqual([3, 4, 4]);
      expect(replay.at(-1)).toEqual({ type: "ready", seq: 4 });
      const tooOld = socket();
      log.catchUp(tooOld.server, 0);
      expect(await tooOld.settled(2)).toEqual([
        { type: "resync", seq: 4 },
        { type: "ready", seq: 4 },
      ]);
    });
  });

  it("forget() drops the log, takes a seq of its own and tells open sockets to resync; seq keeps counting", async () => {
    await runInDurableObject(stubFor(uid()), async (_obj, state) => {
      const log = new EventLog(state, () => 10, protocolOf);
      const hot = new HotLayer(assistants);
      for (const name of ["a", "b"]) log.publish([changed("assistant", "updated", hot.write(assistant("old", name), 1, 0), "write")]);
      // An open tab, accepted the way the coordinator accepts them (the log broadcasts to these).
      const open = socket((ws) => state.acceptWebSocket(ws));
      log.forget();
      expect(await open.settled(1)).toEqual([{ type: "resync", seq: 3 }]);
      log.publish([changed("assistant", "created", hot.write(assistant("new", "n"), 2, 0), "write")]);
      const replays = [0, 1, 2, 3, 4].map((after) => {
        const s = socket();
        log.catchUp(s.server, after);
        return s.settled(after === 4 ? 1 : 2);
      });
      const [from0, from1, from2, from3, from4] = await Promise.all(replays);
      // Whatever a tab saw before the change, even its last event, it reloads; nothing of "old" comes back.
      for (const got of [from0, from1, from2]) expect(got).toEqual([{ type: "resync", seq: 4 }, { type: "ready", seq: 4 }]);
      expect(from3!.map((m) => (m as { id?: string; seq: number }).id ?? m)).toEqual(["new", { type: "ready", seq: 4 }]);
      expect(from4).toEqual([{ type: "ready", seq: 4 }]);
    });
  });
});

describe("externalChanges", () => {
  it("names what a refresh changed, and nothing it left alone", () => {
    const hot = new HotLayer(assistants);
    hot.applyList([assistant("a", "1"), assistant("b", "1")], 0, 0, 0);
    const before = snapshot(hot);
    hot.applyList([assistant("a", "1"), assistant("b", "2", "2026-01-02T00:00:00.000Z"), assistant("c", "1")], 0, 1, 0);
    expect(externalChanges(before, hot).map((c) => [c.type, c.id])).toEqual([
      ["updated", "b"],
      ["created", "c"],
    ]);
    const next = snapshot(hot);
    hot.applyList([assistant("c", "1")], 0, 2, 0);
    expect(externalChanges(next, hot).map((c) => [c.type, c.id])).toEqual([
      ["deleted", "a"],
      ["deleted", "b"],
    ]);
  });
});

describe("refreshDueAt", () => {
  it("refreshes `ahead` before staleness, never more often than every half TTL, and not at all without a TTL", () => {
    expect(refreshDueAt(1000, 300_000, 30_000)).toBe(1000 + 270_000);
    expect(refreshDueAt(1000, 10_000, 30_000)).toBe(1000 + 5_000);
    expect(refreshDueAt(1000, 0, 30_000)).toBeNull();
  });
});
