// The Worker's side of errors: the domain error (core/errors.ts) and Hono's own exceptions
// mapped onto the one envelope, in one place (`app.onError`).
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, type ErrorStatus } from "../../core/errors";

/** The one error shape every failure is answered with. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorResponse(c: Context, e: ApiError): Response {
  const body: ErrorBody = { error: { code: e.code, message: e.message } };
  return c.json(body, e.status satisfies ContentfulStatusCode, e.headers);
}

const GENERIC: Record<number, [string, string]> = {
  400: ["bad_request", "The request is not valid."],
  401: ["unauthorized", "Authentication is required."],
  404: ["not_found", "No such resource."],
  405: ["method_not_allowed", "That method is not allowed here."],
  413: ["payload_too_large", "The request body is too large."],
  415: ["unsupported_media_type", "Send the body as application/json."],
};

/** `app.onError`: the single place an error becomes a response. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException && err.status < 500) {
    if (err.status === 400 && /JSON/i.test(err.message)) {
      return errorResponse(c, new ApiError(400, "invalid_json", "The request body is not valid JSON."));
    }
    const [code, message] = GENERIC[err.status] ?? ["bad_request", "The request is not valid."];
    return errorResponse(c, new ApiError(err.status as ErrorStatus, code, message));
  }
  // Unexpected: log with context (never headers or bodies, which carry secrets), answer generically.
  console.error(
    JSON.stringify({ level: "error", msg: "unhandled", route: routePath(c, -1), error: String(err) }),
  );
  return errorResponse(c, new ApiError(500, "internal_error", "Something went wrong on our side."));
}

/** A known path asked with a method it does not have: 405 with `Allow` (RFC 9110). */
export const notAllowed = (c: Context, methods: string[]): Response =>
  errorResponse(
    c,
    new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${methods.join(", ")}.`, {
      Allow: methods.join(", "),
    }),
  );

export const notFound = (c: Context): Response =>
  errorResponse(c, new ApiError(404, "not_found", `No route for ${c.req.method} ${c.req.path}.`));
