import type { MiddlewareHandler } from "hono";
import { timing } from "hono/timing";
import type { AppEnv } from "../types";

/**
 * The Worker's share of Server-Timing (Hono's timing middleware): `auth` (the auth middleware),
 * `rpc` (src/lib/rpc.ts) and `total`, the Worker's own time from here to the answer, after the
 * coordinator's phases (core/timing.ts). Only on answers that carry the coordinator's phases
 * (the assistants routes): elsewhere the header is not part of the contract.
 */
export const serverTimingTotal: MiddlewareHandler<AppEnv> = timing({
  enabled: (c) => c.res.headers.has("Server-Timing"),
  totalDescription: "",
});
