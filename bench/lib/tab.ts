// A dashboard tab as the bench sees it: the events socket (GET /api/events, subprotocol v2, the
// token as a `bearer.<jwt>` subprotocol, as the SDK sends it from a browser), every message kept
// with the wall-clock time it arrived, so it can be compared with Vapi's `updatedAt`.
import { z } from "zod";

const V2 = "vapi-edge-cache.v2";
const OPEN_TIMEOUT_MS = 10_000;

/** The v2 messages the bench reads (docs/api.md, "Live updates"); others are kept as `other`. */
const Message = z.union([
  z.object({ type: z.literal("ready"), seq: z.number() }),
  z.object({
    type: z.enum(["created", "updated"]),
    resource: z.string(),
    id: z.string(),
    version: z.number(),
    origin: z.enum(["write", "vapi", "team"]),
  }),
  z.object({ type: z.string() }).transform(() => ({ type: "other" as const })),
]);
export type TabMessage = z.infer<typeof Message>;

export interface Arrived {
  /** Date.now() when the message arrived (the emulator stamps `updatedAt` with the same clock). */
  at: number;
  message: TabMessage;
}

type Waiter = { match: (m: TabMessage) => boolean; resolve: (a: Arrived) => void };

export class BenchTab {
  private readonly seen: Arrived[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      const arrived = { at: Date.now(), message: Message.parse(JSON.parse(String(e.data))) };
      this.seen.push(arrived);
      for (const w of this.waiters) if (w.match(arrived.message)) (this.waiters.delete(w), w.resolve(arrived));
    });
  }

  /** Opens `user`'s socket on `base` and waits for its `ready`. */
  static async open(base: string, token: string): Promise<BenchTab> {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/events`, [V2, `bearer.${token}`]);
    const tab = new BenchTab(ws);
    const failed = new Promise<never>((_, reject) => {
      ws.addEventListener("error", () => reject(new Error(`events socket on ${base} failed to open`)));
      ws.addEventListener("close", (e) => reject(new Error(`events socket closed: ${e.code} ${e.reason}`)));
    });
    failed.catch(() => undefined); // only awaited while opening
    const ready = await Promise.race([tab.next((m) => m.type === "ready", OPEN_TIMEOUT_MS), failed]);
    if (!ready) throw new Error(`events socket on ${base} sent no ready within ${OPEN_TIMEOUT_MS} ms`);
    if (ws.protocol !== V2) throw new Error(`events socket answered ${ws.protocol || "no"} subprotocol, not ${V2}`);
    return tab;
  }

  /** The first message (already seen or still to come) that matches; null after `timeoutMs`. */
  next(match: (m: TabMessage) => boolean, timeoutMs: number): Promise<Arrived | null> {
    const found = this.seen.find((a) => match(a.message));
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const waiter: Waiter = { match, resolve: (a) => (clearTimeout(timer), resolve(a)) };
      const timer = setTimeout(() => (this.waiters.delete(waiter), resolve(null)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Forgets what arrived so far (each write's wait starts from an empty list: bounded memory). */
  clear() {
    this.seen.length = 0;
  }

  close() {
    this.ws.close(1000, "bench done");
  }
}
