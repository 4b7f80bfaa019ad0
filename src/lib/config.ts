import { z } from "zod";

const seconds = (fallback: number) => z.coerce.number().min(0).catch(fallback);

const ConfigSchema = z.object({
  VAPI_BASE_URL: z.url().catch("https://api.vapi.ai"),
  CACHE_TTL_SECONDS: seconds(300),
  VAPI_TIMEOUT_MS: z.coerce.number().int().min(1).catch(10_000),
  VAPI_LIST_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).catch(1000),
  JWT_MAX_AGE_SECONDS: z.coerce.number().int().min(1).catch(86_400),
  CORS_ORIGINS: z.string().catch(""),
});

/** Settings the service reads from its environment, parsed once per isolate. */
export interface Config {
  vapiBaseUrl: string;
  ttlMs: number;
  vapiTimeoutMs: number;
  listPageSize: number;
  /** Longest lifetime (`exp` − `iat`) a JWT may have. */
  jwtMaxAgeSeconds: number;
  /** Exact browser origins allowed to call the API (CORS); empty: same-origin only. Never `*`. */
  corsOrigins: string[];
}

export function readConfig(env: Partial<Record<keyof Env, unknown>>): Config {
  const c = ConfigSchema.parse(env);
  return {
    vapiBaseUrl: c.VAPI_BASE_URL.replace(/\/+$/, ""),
    ttlMs: Math.round(c.CACHE_TTL_SECONDS * 1000),
    vapiTimeoutMs: c.VAPI_TIMEOUT_MS,
    listPageSize: c.VAPI_LIST_PAGE_SIZE,
    jwtMaxAgeSeconds: c.JWT_MAX_AGE_SECONDS,
    corsOrigins: c.CORS_ORIGINS.split(",").map((o) => o.trim().replace(/\/+$/, "")).filter((o) => o && o !== "*"),
  };
}
