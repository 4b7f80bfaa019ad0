import { z } from "zod";
import { Assistant, call } from "./helpers";

/** The events socket's messages, as docs/api.md documents them. */
export const Message = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), seq: z.number() }),
  z.object({ type: z.literal("resync"), seq: z.number() }),
  z.object({ type: z.literal("pong") }),
  z.object({
    type: z.enum(["created", "updated"]),
    seq: z.number(),
    id: z.string(),
    version: z.number(),
    etag: z.string(),
    origin: z.enum(["write", "vapi"]),
    clientId: z.string().optional(),
    assistant: Assistant,
  }),
  z.object({ type: z.literal("deleted"), seq: z.number(), id: z.string(), origin: z.enum(["write", "vapi"]), clientId: z.string().optional() }),
]);
export type Message = z.infer<typeof Message>;

/** The sequence number a message carries, or -1 (pong). */
export const seqOf = (m: Message) => ("seq" in m ? m.seq : -1);

export interface Tab {
  ws: WebSocket;
  /** The messages that parse as `Message` (v1's shape; a v2 tab's created/updated do not). */
  messages: Message[];
  /** Every message as the wire carried it. */
  raw: string[];
  /** The subprotocol the service answered with (null: none). */
  protocol: string | null;
  /** Waits (polling, bounded) until a message matches, and returns it. */
  waitFor: (match: (m: Message) => boolean, timeoutMs?: number) => Promise<Message>;
  /** The `seq` of the last event or `ready` seen. */
  lastSeq: () => number;
  /** Waits (bounded) until the server closes the socket, and returns its close code and reason. */
  waitClosed: (timeoutMs?: number) => Promise<{ code: number; reason: string }>;
}

export interface TabOptions {
  after?: number;
  via?: "query" | "protocol";
  /** With `via: "protocol"`: the subprotocols offered beside the token (default v1's, as the SDKs already out do). */
  protocols?: string[];
  /** Headers a browser (Origin) or a hostile client (X-Cache-User) adds. */
  headers?: Record<string, string>;
  /** The socket's path: `/api/assistants/events` (default, as the SDKs already out use it) or `/api/events`. */
  path?: string;
}

/** Opens a dashboard tab's events socket through the Worker's fetch handler. */
export async function openTab(token: string, opts: TabOptions = {}): Promise<Tab> {
  const params = new URLSearchParams();
  const headers: Record<string, string> = { ...opts.headers, Upgrade: "websocket" };
  if (opts.via === "protocol") headers["Sec-WebSocket-Protocol"] = [...(opts.protocols ?? ["vapi-edge-cache.v1"]), `bearer.${token}`].join(", ");
  else params.set("token", token);
  if (opts.after !== undefined) params.set("after", String(opts.after));
  const res = await call(`${opts.path ?? "/api/assistants/events"}?${params}`, { headers });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  const messages: Message[] = [];
  const raw: string[] = [];
  ws.addEventListener("message", (e) => {
    raw.push(String(e.data));
    const parsed = Message.safeParse(JSON.parse(String(e.data)));
    if (parsed.success) messages.push(parsed.data);
    else if (res.headers.get("Sec-WebSocket-Protocol") !== "vapi-edge-cache.v2") throw parsed.error;
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }));
  });
  ws.accept();
  const waitFor = async (match: (m: Message) => boolean, timeoutMs = 3000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const lastSeq = () => {
    const seqs = messages.map(seqOf).filter((s) => s >= 0);
    return seqs.length ? seqs[seqs.length - 1]! : 0;
  };
  const waitClosed = (timeoutMs = 3000) =>
    Promise.race([
      closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not closed; got ${JSON.stringify(messages)}`)), timeoutMs)),
    ]);
  return { ws, messages, raw, protocol: res.headers.get("Sec-WebSocket-Protocol"), waitFor, lastSeq, waitClosed };
}
