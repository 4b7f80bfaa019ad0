import type { Assistant } from "./types.ts";

/** Any failure the service answered, with its stable `code` (see docs/api.md). */
export class CacheApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CacheApiError";
  }
}

/** 412: the assistant changed since the version the tab edited. Nothing was written. */
export class ConflictError extends CacheApiError {
  constructor(
    message: string,
    /** The version that is current now, and its validator. */
    readonly current: Assistant,
    readonly currentEtag: string | undefined,
    /** The version the tab edited, when this client still holds it. */
    readonly base: Assistant | undefined,
  ) {
    super(412, "precondition_failed", message);
    this.name = "ConflictError";
  }
}

/** 404: no such assistant for this user. */
export class NotFoundError extends CacheApiError {
  constructor(code: string, message: string) {
    super(404, code, message);
    this.name = "NotFoundError";
  }
}

/** 429/503 that outlasted the retries, or a service that cannot be reached (status 0), with no fallback. */
export class UnavailableError extends CacheApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    /** How long the service asked to wait, when it said. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(status, code, message);
    this.name = "UnavailableError";
  }
}
