// The events socket's wire constants, shared by the Worker's upgrade route and the coordinator.

/**
 * The subprotocols a tab may ask for (it may offer its token beside them as `bearer.<jwt>`).
 * v2 messages name their `resource` and carry the object as `item`; v1 (the SDKs already out)
 * gets assistants' events exactly as before, with the object as `assistant`. See docs/api.md.
 */
export const EVENTS_PROTOCOL_V2 = "vapi-edge-cache.v2";
export const EVENTS_PROTOCOL_V1 = "vapi-edge-cache.v1";
export type EventsProtocol = typeof EVENTS_PROTOCOL_V2 | typeof EVENTS_PROTOCOL_V1;
/** The one the server picks from what a tab offers: the newest it knows; v1 when none is offered (as before v2). */
export const pickEventsProtocol = (offered: string[]): EventsProtocol =>
  offered.includes(EVENTS_PROTOCOL_V2) ? EVENTS_PROTOCOL_V2 : EVENTS_PROTOCOL_V1;
/** Set by the Worker after it verified the token; the object never sees a client's own headers for identity. */
export const USER_HEADER = "X-Cache-User";
/** Sent to a user's oldest socket when a newer one would exceed EVENTS_MAX_SOCKETS (docs/api.md). */
export const TOO_MANY_SOCKETS = { code: 4429, reason: "too many open sockets" } as const;
/** The response header that marks an answer as the stored answer of an earlier request (Idempotency-Key). */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** On a write's answer: `unavailable` when it went on without its team (docs/api.md, "Teams"). */
export const TEAM_HEADER = "Team-Coordination";
