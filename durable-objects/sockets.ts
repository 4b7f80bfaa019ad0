import type { EventLog } from "./event-log";

/** The subprotocol a tab asks for; it may offer its token beside it as `bearer.<jwt>`. */
export const EVENTS_PROTOCOL = "vapi-edge-cache.v1";
/** Set by the Worker after it verified the token; the object never sees a client's own headers for identity. */
export const USER_HEADER = "X-Cache-User";

/**
 * Accepts a tab's socket with the hibernation API (the object may sleep while tabs stay
 * connected), sends it what it missed since `?after=`, and answers the upgrade.
 */
export function acceptTab(ctx: DurableObjectState, events: EventLog, request: Request): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  // Keep-alives are answered by the runtime without waking the object.
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  const after = new URL(request.url).searchParams.get("after");
  events.catchUp(server, after !== null && /^\d{1,15}$/.test(after) ? Number(after) : undefined);
  const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const headers: HeadersInit = offered.includes(EVENTS_PROTOCOL) ? { "Sec-WebSocket-Protocol": EVENTS_PROTOCOL } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}
