// The events socket's wire constants, shared by the Worker's upgrade route and the coordinator.

/** The subprotocol a tab asks for; it may offer its token beside it as `bearer.<jwt>`. */
export const EVENTS_PROTOCOL = "vapi-edge-cache.v1";
/** Set by the Worker after it verified the token; the object never sees a client's own headers for identity. */
export const USER_HEADER = "X-Cache-User";
/** Sent to a user's oldest socket when a newer one would exceed EVENTS_MAX_SOCKETS (docs/api.md). */
export const TOO_MANY_SOCKETS = { code: 4429, reason: "too many open sockets" } as const;
/** The response header that marks an answer as the stored answer of an earlier request (Idempotency-Key). */
export const REPLAYED_HEADER = "Idempotent-Replayed";
