import { EVENTS_PROTOCOL_V1, type EventsProtocol, pickEventsProtocol, TOO_MANY_SOCKETS } from "../core/protocol";
import type { EventLog } from "./event-log";

/**
 * What each socket carries through hibernation: its place in the user's order of opens, and the
 * protocol it was accepted with (absent on sockets accepted before v2: those are v1).
 */
interface TabAttachment {
  order: number;
  protocol?: EventsProtocol;
}

// A counter in storage, not the clock: the clock does not move within one request, and memory
// does not survive hibernation, but the sockets do.
const ORDER_KEY = "sockets-opened";

const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as TabAttachment | null;
const orderOf = (ws: WebSocket) => attachmentOf(ws)?.order ?? 0;
/** The protocol the socket's messages are written in. */
export const protocolOf = (ws: WebSocket): EventsProtocol => attachmentOf(ws)?.protocol ?? EVENTS_PROTOCOL_V1;

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
  const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const protocol = pickEventsProtocol(offered);
  server.serializeAttachment({ order, protocol } satisfies TabAttachment);
  // Keep-alives are answered by the runtime without waking the object.
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  const after = new URL(request.url).searchParams.get("after");
  events.catchUp(server, after !== null && /^\d{1,15}$/.test(after) ? Number(after) : undefined);
  // The answer names the protocol only when the tab offered one (a client with no subprotocol gets v1's messages, as before).
  const headers: HeadersInit = offered.includes(protocol) ? { "Sec-WebSocket-Protocol": protocol } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}
