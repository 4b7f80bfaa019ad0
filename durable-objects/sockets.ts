import { EVENTS_PROTOCOL, TOO_MANY_SOCKETS } from "../core/protocol";
import type { EventLog } from "./event-log";


/** What each socket carries through hibernation: its place in the user's order of opens. */
interface TabAttachment {
  order: number;
}

// A counter in storage, not the clock: the clock does not move within one request, and memory
// does not survive hibernation, but the sockets do.
const ORDER_KEY = "sockets-opened";

const orderOf = (ws: WebSocket) => (ws.deserializeAttachment() as TabAttachment | null)?.order ?? 0;

/**
 * Accepts a tab's socket with the hibernation API (the object may sleep while tabs stay
 * connected), sends it what it missed since `?after=`, and answers the upgrade. When the user
 * already holds `maxSockets` open sockets, the oldest are closed first, so a forgotten tab never
 * locks out a new one.
 */
export function acceptTab(ctx: DurableObjectState, events: EventLog, request: Request, maxSockets: number): Response {
  const open = ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  // guard: events-no-per-user-socket-cap
  const excess = open.length + 1 - maxSockets;
  if (excess > 0) {
    // guard: events-socket-cap-closes-the-newest
    for (const ws of open.sort((a, b) => orderOf(a) - orderOf(b)).slice(0, excess)) {
      ws.close(TOO_MANY_SOCKETS.code, TOO_MANY_SOCKETS.reason);
    }
  }
  const order = (ctx.storage.kv.get<number>(ORDER_KEY) ?? 0) + 1;
  ctx.storage.kv.put(ORDER_KEY, order);
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  server.serializeAttachment({ order } satisfies TabAttachment);
  // Keep-alives are answered by the runtime without waking the object.
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  const after = new URL(request.url).searchParams.get("after");
  events.catchUp(server, after !== null && /^\d{1,15}$/.test(after) ? Number(after) : undefined);
  const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const headers: HeadersInit = offered.includes(EVENTS_PROTOCOL) ? { "Sec-WebSocket-Protocol": EVENTS_PROTOCOL } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}
