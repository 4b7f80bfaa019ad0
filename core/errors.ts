// The domain's failure type, shared by the Worker and the Durable Object. No HTTP framework here:
// src/lib/errors.ts maps it onto Hono's responses, and it crosses the RPC boundary as ApiFailure.

/** The statuses the service answers failures with (all carry a body, so Hono's `c.json` takes them). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 412 | 413 | 415 | 422 | 424 | 426 | 429 | 500 | 502 | 503 | 504;

/** A failure the client is meant to see: status, a snake_case code and a human sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
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
  status: ErrorStatus;
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

export const fromFailure = (f: ApiFailure): ApiError => new ApiError(f.status, f.code, f.message, f.headers);
