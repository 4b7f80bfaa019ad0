import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { configFor } from "../../core/config";
import type { AppEnv } from "../types";

/**
 * The one browser-origin policy, for CORS and the events socket: the request's own origin, or
 * one of the exact origins in CORS_ORIGINS (empty: same-origin only). `null` (sandboxed frames,
 * files) never matches.
 */
export const originAllowed = (origin: string, c: Context<AppEnv>): boolean =>
  // No Origin (every non-browser request, hono/cors passes ""): nothing to allow, and no URL to parse.
  origin !== "" && (origin === new URL(c.req.url).origin || configFor(c.env).corsOrigins.includes(origin));

/**
 * CORS for dashboards on other origins (`originAllowed`). Tokens travel in the Authorization
 * header, never in cookies, so credentials stay off and `*` is never sent. Preflights are
 * answered here, before auth.
 */
export const corsPolicy: MiddlewareHandler<AppEnv> = cors({
  origin: (origin, c) => (originAllowed(origin, c) ? origin : null),
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["Authorization", "Content-Type", "Cache-Control", "If-Match", "If-None-Match", "X-Client-Id", "Idempotency-Key"],
  exposeHeaders: ["Cache-Status", "Server-Timing", "ETag", "Retry-After", "WWW-Authenticate", "Idempotent-Replayed"],
  maxAge: 600,
  credentials: false,
});

// The API answers JSON only: nothing in it may run, load or be framed.
const api = secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } });

// Swagger UI: scripts and styles from this origin only (served from the pinned swagger-ui-dist),
// no inline script; React sets some inline styles, and the UI fetches /openapi.json.
const docs = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
});

// The dashboard page (/app): its own script and stylesheet only, no inline script or style; it
// calls this origin's API and opens the events socket on this origin (ws: or wss:, which
// 'self' does not cover in every browser), nothing else.
const socketOrigin = (c: Context) => new URL(c.req.url).origin.replace(/^http/, "ws");
const page = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'", socketOrigin],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
});

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** `nosniff`, HSTS, no framing and a CSP on every answer (Hono's secureHeaders). */
export const securityHeaders: MiddlewareHandler<AppEnv> = (c, next) =>
  under(c.req.path, "/docs") ? docs(c, next) : under(c.req.path, "/app") ? page(c, next) : api(c, next);
