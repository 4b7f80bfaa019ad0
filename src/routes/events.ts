import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { EVENTS_PROTOCOL_V1, EVENTS_PROTOCOL_V2, USER_HEADER } from "../../core/protocol";
import { ApiError, fromFailure } from "../../core/errors";
import { errors } from "../lib/openapi";
import { router } from "../lib/router";
import { ensureUser } from "../db/users";
import { unauthorized, verifyToken } from "../lib/jwt";
import { originAllowed } from "../middleware/browser";
import type { AppEnv } from "../types";

const Query = z.object({
  token: z.string().optional().openapi({ description: "The JWT, for browsers (which cannot set headers on a WebSocket)" }),
  after: z
    .string()
    .regex(/^\d{1,15}$/, "must be a sequence number")
    .optional()
    .openapi({ description: "The last `seq` this tab saw: the events after it are sent first (or `resync`)" }),
});

/** The socket's route: the same socket under both paths, each with its own operation. */
const eventsRoute = (operationId: string, tags: string[], summary: string) =>
  createRoute({
    operationId,
    method: "get",
    path: "/",
    tags,
    summary,
    description:
      "Send `Upgrade: websocket`. The token goes in `Authorization`, in `Sec-WebSocket-Protocol` as `bearer.<jwt>` " +
      `beside \`${EVENTS_PROTOCOL_V2}\` (or \`${EVENTS_PROTOCOL_V1}\`), or in \`?token=\`. Messages are JSON; see docs/api.md for their schema.`,
    request: { query: Query },
    responses: {
      101: { description: "Switching Protocols: the socket is open" },
      ...errors([400, 401, 403, 426, 429]),
    },
  });

const protocolsOf = (c: Context<AppEnv>) =>
  (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);

/** The token from Authorization, from a `bearer.<jwt>` subprotocol, or from `?token=`. */
function tokenOf(c: Context<AppEnv>): string {
  const header = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  const offered = protocolsOf(c).find((p) => p.startsWith("bearer."))?.slice("bearer.".length);
  const token = header ?? offered ?? c.req.query("token");
  if (!token) throw unauthorized("Send the token in Authorization, as a `bearer.<jwt>` subprotocol, or as ?token=.", false);
  return token;
}

/** Checks the origin, the upgrade, the token and the open budget, then hands the socket to the user's coordinator. */
async function open(c: Context<AppEnv>): Promise<Response> {
  // CORS does not cover WebSockets: a page on any site may open one. Checked before the token,
  // so a page on another site learns nothing and causes nothing. No Origin: not a browser.
  const origin = c.req.header("Origin");
  // guard: events-socket-ignores-origin
  if (origin !== undefined && !originAllowed(origin, c)) {
    throw new ApiError(403, "origin_not_allowed", "This origin may not open the events socket (CORS_ORIGINS).");
  }
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "This endpoint is a WebSocket: send Upgrade: websocket.", {
      Upgrade: "websocket",
    });
  }
  // The same policy as every HTTP route (src/lib/jwt.ts), whichever way the token came.
  const userId = await verifyToken(tokenOf(c), c.env);
  await ensureUser(c.env.DB, userId);
  c.set("userId", userId);
  const coordinator = c.env.COORDINATOR.getByName(userId);
  // Each open may replay the whole event log: the user's open budget is taken before the upgrade.
  // guard: events-socket-opens-not-limited
  const refused = await coordinator.admitSocket();
  if (refused) throw fromFailure(refused);
  const url = new URL(c.req.url);
  url.searchParams.delete("token");
  const headers = new Headers(c.req.raw.headers);
  // The coordinator needs only the verified user, never the token; a client's own X-Cache-User is overwritten.
  headers.delete("Authorization");
  headers.set("Sec-WebSocket-Protocol", protocolsOf(c).filter((p) => !p.startsWith("bearer.")).join(", "));
  // guard: events-route-forwards-a-client-s-x-cache-user
  headers.set(USER_HEADER, userId);
  const res = await coordinator.fetch(new Request(url, { headers }));
  // A Durable Object's answer has immutable headers; the app's middleware adds its own.
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
}

// Both registered before the /api/* auth middleware: a browser's socket cannot send Authorization.
/** GET /api/events: every change of every resource the user has cached (v2 messages carry `resource`). */
export const events = router().openapi(
  eventsRoute("events", ["events"], "Live updates: a WebSocket that pushes every change of the user's cached resources to each of their tabs"),
  async (c) => (await open(c)) as never,
);

/** GET /api/assistants/events: the same socket under its first path, kept for clients that use it. */
export const assistantEvents = router().openapi(
  eventsRoute("assistantEvents", ["assistants"], "Live updates: a WebSocket that pushes every change of the user's assistants to each of their tabs"),
  async (c) => (await open(c)) as never,
);
