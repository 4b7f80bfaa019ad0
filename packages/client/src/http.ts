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
 * One request to the service. Reads (`retry`) are retried on 429 and 503, waiting what
 * Retry-After says (or a jittered backoff), capped; writes are sent once.
 */
export async function send(
  t: Transport,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; retry: boolean; cache?: "no-store" },
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
      throw new Unreachable(String(err));
    }
    if (!init.retry || attempt >= t.retries || (res.status !== 429 && res.status !== 503)) return res;
    await res.body?.cancel();
    const backoff = 100 * 2 ** attempt * (0.5 + Math.random());
    await new Promise((r) => setTimeout(r, Math.min(retryAfterMs(res) ?? backoff, t.maxRetryDelayMs)));
  }
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string };
  assistant?: Assistant;
}

/** The typed error for a failed answer. `base`: the version the caller edited, if known. */
export async function errorFrom(res: Response, base?: Assistant): Promise<CacheApiError> {
  const body = (await res.json().catch(() => ({}))) as ErrorEnvelope;
  const code = body.error?.code ?? "http_error";
  const message = body.error?.message ?? `The service answered ${res.status}.`;
  if (res.status === 412 && body.assistant) {
    return new ConflictError(message, body.assistant, res.headers.get("ETag") ?? undefined, base);
  }
  if (res.status === 404) return new NotFoundError(code, message);
  if (res.status === 429 || res.status === 503) return new UnavailableError(res.status, code, message, retryAfterMs(res));
  return new CacheApiError(res.status, code, message);
}
