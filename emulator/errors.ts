import type { ContentfulStatusCode } from "hono/utils/http-status";

// Vapi answers errors in NestJS's default shape: {message, error: <reason phrase>, statusCode}.
const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export type NestErrorBody = { message: string | string[]; error: string; statusCode: number };

/** The NestJS error body for `status`; `message` defaults to the reason phrase. */
export function nestError(status: number, message?: string | string[]): NestErrorBody {
  const error = REASONS[status] ?? (status >= 500 ? "Internal Server Error" : "Error");
  return { message: message ?? error, error, statusCode: status };
}

export const INVALID_KEY =
  "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.";

/** An expected failure; `app.onError` turns it into the NestJS body. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly messages: string | string[] | undefined;

  constructor(status: ContentfulStatusCode, messages?: string | string[]) {
    super(Array.isArray(messages) ? messages.join("; ") : (messages ?? String(status)));
    this.status = status;
    this.messages = messages;
  }
}

/** 400 with class-validator's message array. */
export function badRequest(messages: string[]): ApiError {
  return new ApiError(400, messages);
}
