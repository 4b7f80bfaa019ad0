import { CacheApiError, ConflictError, NotFoundError, UnavailableError } from "./errors.ts";
import type { Assistant } from "./types.ts";

export interface Transport {
  baseUrl: string;
  token: () => string | Promise<string>;
  fetch: typeof fetch;
  retries: number;
  maxRetryDelayMs: number;
}

/** The service could not be reached at all (DNS, TLS, connection refused, offline). */
export class Unreachable extends Error {}

/** Seconds (or an HTTP date) from Retry-After, in ms; undefined when absent or unreadable. */
export function retryAfterMs(res: Response): number | undefined {
  const value = res.headers.get("Retry-After");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Whether to send a request again. Reads (`retry: "read"`) are retried on 429 and 503. Writes
 * carry an Idempotency-Key (`retry: "idempotent"`), so the service answers a repeat with the
 * first one's result instead of writing twice: they are retried on any 5xx and 429 too, and on
 * network failures, where the first may or may not have arrived.
 */
const retryable = (retry: "read" | "idempotent", status: number) =>
  status === 429 || status === 503 || (retry === "idempotent" && status >= 500);

/**
 * One request to the service, retried per `retryable`, waiting what Retry-After says (or a
 * jittered backoff), capped, at most `t.retries` times.
 */
export async function send(
  t: Transport,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; retry: "read" | "idempotent"; cache?: "no-store" },
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${await t.token()}`);
    if (init.body !== undefined) headers.set("Content-Type", "application/json");
    let res: Response;
    try {
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      const options: RequestInit = { method, headers, body };
      if (init.cache) options.cache = init.cache;
      res = await t.fetch(`${t.baseUrl}${path}`, options);
    } catch (err) {
      if (init.retry !== "idempotent" || attempt >= t.retries) throw new Unreachable(String(err));
      await pause(t, attempt, undefined);
      continue;
    }
    if (attempt >= t.retries || !retryable(init.retry, res.status)) return res;
    await res.body?.cancel();
    await pause(t, attempt, retryAfterMs(res));
  }
}

function pause(t: Transport, attempt: number, retryAfter: number | undefined) {
  const backoff = 100 * 2 ** attempt * (0.5 + Math.random());
  return new Promise((r) => setTimeout(r, Math.min(retryAfter ?? backoff, t.maxRetryDelayMs)));
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string };
  /** A 412 carries the current version under the resource's name (`assistant`, `phoneNumber`, …). */
  [name: string]: unknown;
}

/** The typed error for a failed answer. `base`: the version the caller edited, if known; `name`: the resource's answer key. */
export async function errorFrom(res: Response, base?: Assistant, name = "assistant"): Promise<CacheApiError> {
  const body = (await res.json().catch(() => ({}))) as ErrorEnvelope;
  const code = body.error?.code ?? "http_error";
  const message = body.error?.message ?? `The service answered ${res.status}.`;
  const current = body[name] as Assistant | undefined;
  if (res.status === 412 && current) {
    return new ConflictError(message, current, res.headers.get("ETag") ?? undefined, base);
  }
  if (res.status === 404) return new NotFoundError(code, message);
  if (res.status === 429 || res.status === 503) return new UnavailableError(res.status, code, message, retryAfterMs(res));
  return new CacheApiError(res.status, code, message);
}
