import { z } from "zod";

const seconds = (fallback: number) => z.coerce.number().min(0).catch(fallback);

const ConfigSchema = z.object({
  VAPI_BASE_URL: z.url().catch("https://api.vapi.ai"),
  CACHE_TTL_SECONDS: seconds(300),
  VAPI_TIMEOUT_MS: z.coerce.number().int().min(1).catch(10_000),
  VAPI_LIST_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).catch(1000),
  CACHE_REFRESH_AHEAD_SECONDS: seconds(30),
  EVENTS_LOG_SIZE: z.coerce.number().int().min(1).max(100_000).catch(1000),
});

/** Settings the service reads from its environment, parsed once per isolate. */
export interface Config {
  vapiBaseUrl: string;
  ttlMs: number;
  vapiTimeoutMs: number;
  listPageSize: number;
  /** While a tab is open, the list is refreshed this long before it goes stale. */
  refreshAheadMs: number;
  /** Events kept per user for tabs that reconnect; further behind gets a `resync`. */
  eventLogSize: number;
}

export function readConfig(env: Partial<Record<keyof Env, unknown>>): Config {
  const c = ConfigSchema.parse(env);
  return {
    vapiBaseUrl: c.VAPI_BASE_URL.replace(/\/+$/, ""),
    ttlMs: Math.round(c.CACHE_TTL_SECONDS * 1000),
    vapiTimeoutMs: c.VAPI_TIMEOUT_MS,
    listPageSize: c.VAPI_LIST_PAGE_SIZE,
    refreshAheadMs: Math.round(c.CACHE_REFRESH_AHEAD_SECONDS * 1000),
    eventLogSize: c.EVENTS_LOG_SIZE,
  };
}
