/** The cache's name in `Cache-Status` (RFC 9211). */
export const CACHE = "vapi-edge-cache";

/** Why a request went forward to the upstream (RFC 9211 `fwd`). */
export type Fwd = "miss" | "stale" | "request" | "method";
