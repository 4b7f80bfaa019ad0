import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error shape every failure is answered with. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** A failure the client is meant to see: status, a snake_case code and a human sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The plain-data form of an ApiError, for crossing the Durable Object RPC boundary. */
export interface ApiFailure {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

export const toFailure = (e: ApiError): ApiFailure => ({
  status: e.status,
  code: e.code,
  message: e.message,
  headers: e.headers,
});

export const fromFailure = (f: ApiFailure): ApiError =>
  new ApiError(f.status, f.code, f.message, f.headers);

export function errorResponse(c: Context, e: ApiError): Response {
  const body: ErrorBody = { error: { code: e.code, message: e.message } };
  return c.json(body, e.status, e.headers);
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
    return errorResponse(c, new ApiError(err.status as ContentfulStatusCode, code, message));
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
