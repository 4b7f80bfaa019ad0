import { z } from "zod";
import type { RateRule } from "./rate-rule";

const seconds = (fallback: number) => z.coerce.number().min(0).catch(fallback);
const count = (fallback: number) => z.coerce.number().int().min(0).catch(fallback);

/**
 * 24 MiB of strings (each assistant's JSON plus the list string, about 2× the JSON) per user.
 * With the parsed objects (~1.3× the JSON, uncounted) that is ~40 MiB resident, and a full list
 * sync briefly holds Vapi's answer and its parsed items on top (~30 MiB more): under the 128 MB
 * a Durable Object may use, with room for the runtime and requests in flight.
 */
const DEFAULT_MAX_BYTES = 24 * 1024 * 1024;

const ConfigSchema = z.object({
  VAPI_BASE_URL: z.url().catch("https://api.vapi.ai"),
  CACHE_TTL_SECONDS: seconds(300),
  CACHE_TTL_JITTER: z.coerce.number().min(0).max(1).catch(0.1),
  CACHE_STALE_WHILE_REVALIDATE_SECONDS: seconds(0),
  CACHE_STALE_IF_ERROR_SECONDS: seconds(86_400),
  VAPI_TIMEOUT_MS: z.coerce.number().int().min(1).catch(10_000),
  VAPI_RETRY_BUDGET_MS: count(5_000),
  VAPI_RETRY_ATTEMPTS: z.coerce.number().int().min(1).catch(3),
  CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(1).catch(5),
  CIRCUIT_OPEN_SECONDS: seconds(30),
  VAPI_LIST_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).catch(1000),
  CACHE_REFRESH_AHEAD_SECONDS: seconds(30),
  CACHE_MAX_BYTES: count(DEFAULT_MAX_BYTES),
  EVENTS_LOG_SIZE: z.coerce.number().int().min(1).max(100_000).catch(1000),
  EVENTS_MAX_SOCKETS: z.coerce.number().int().min(1).catch(20),
  LOG_HIT_SAMPLE_RATE: z.coerce.number().min(0).max(1).catch(0.01),
  LOG_SLOW_MS: z.coerce.number().min(0).catch(1000),
  RATE_LIMIT_WRITES_PER_MINUTE: count(60),
  RATE_LIMIT_WRITES_BURST: count(20),
  RATE_LIMIT_REVALIDATIONS_PER_MINUTE: count(30),
  RATE_LIMIT_REVALIDATIONS_BURST: count(10),
  RATE_LIMIT_SOCKET_OPENS_PER_MINUTE: count(30),
  RATE_LIMIT_SOCKET_OPENS_BURST: count(10),
  JWT_MAX_AGE_SECONDS: z.coerce.number().int().min(1).catch(86_400),
  CORS_ORIGINS: z.string().catch(""),
  IDEMPOTENCY_RETENTION_SECONDS: seconds(86_400),
  IDEMPOTENCY_MAX_KEYS: z.coerce.number().int().min(1).catch(1000),
  TEAM_TIMEOUT_MS: count(3_000),
});

/** Settings the service reads from its environment, parsed once per isolate. */
export interface Config {
  vapiBaseUrl: string;
  ttlMs: number;
  /** Up to this share of the TTL is cut per entry, so entries fetched together expire apart. */
  ttlJitter: number;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
  vapiTimeoutMs: number;
  /** Total time a read may spend on retries after its first attempt. */
  retryBudgetMs: number;
  retryAttempts: number;
  circuitThreshold: number;
  circuitOpenMs: number;
  listPageSize: number;
  /** While a tab is open, the list is refreshed this long before it goes stale. */
  refreshAheadMs: number;
  /**
   * Budget for the hot layer's strings (`hotLayer.bytes`: JSON payloads plus the list string);
   * past it, least recently used payloads are dropped from memory and read back from D1.
   */
  maxBytes: number;
  /** Events kept per user for tabs that reconnect; further behind gets a `resync`. */
  eventLogSize: number;
  /** Open events sockets per user; a new one past it closes the oldest (close code 4429). */
  maxSockets: number;
  /** Share of cache hits (and other routine answers) that get a log line. */
  logHitSampleRate: number;
  /** A request slower than this is always logged. */
  logSlowMs: number;
  /** Per user: creates, updates, deletes and Vapi key saves. */
  writeLimit: RateRule;
  /** Per user: reads that force a Vapi call (`Cache-Control: no-cache`). */
  revalidationLimit: RateRule;
  /** Per user: events socket opens (each may replay up to the whole event log). */
  socketOpenLimit: RateRule;
  /** Longest lifetime (`exp` − `iat`) a JWT may have. */
  jwtMaxAgeSeconds: number;
  /** Exact browser origins allowed to call the API (CORS); empty: same-origin only. Never `*`. */
  corsOrigins: string[];
  /** How long an Idempotency-Key and its stored answer are kept. */
  idempotencyRetentionMs: number;
  /** Per user: Idempotency-Keys kept; past it the oldest are forgotten. */
  idempotencyMaxKeys: number;
  /**
   * How long a write waits for its team (its turn, then the teammates' copies updated) before it
   * goes on with per-user guarantees only (flagged); 0 turns team coordination off.
   */
  teamTimeoutMs: number;
}

export function readConfig(env: Partial<Record<keyof Env, unknown>>): Config {
  const c = ConfigSchema.parse(env);
  return {
    vapiBaseUrl: c.VAPI_BASE_URL.replace(/\/+$/, ""),
    ttlMs: Math.round(c.CACHE_TTL_SECONDS * 1000),
    ttlJitter: c.CACHE_TTL_JITTER,
    staleWhileRevalidateMs: Math.round(c.CACHE_STALE_WHILE_REVALIDATE_SECONDS * 1000),
    staleIfErrorMs: Math.round(c.CACHE_STALE_IF_ERROR_SECONDS * 1000),
    vapiTimeoutMs: c.VAPI_TIMEOUT_MS,
    retryBudgetMs: c.VAPI_RETRY_BUDGET_MS,
    retryAttempts: c.VAPI_RETRY_ATTEMPTS,
    circuitThreshold: c.CIRCUIT_FAILURE_THRESHOLD,
    circuitOpenMs: Math.round(c.CIRCUIT_OPEN_SECONDS * 1000),
    listPageSize: c.VAPI_LIST_PAGE_SIZE,
    refreshAheadMs: Math.round(c.CACHE_REFRESH_AHEAD_SECONDS * 1000),
    maxBytes: c.CACHE_MAX_BYTES,
    eventLogSize: c.EVENTS_LOG_SIZE,
    maxSockets: c.EVENTS_MAX_SOCKETS,
    logHitSampleRate: c.LOG_HIT_SAMPLE_RATE,
    logSlowMs: c.LOG_SLOW_MS,
    writeLimit: { perMinute: c.RATE_LIMIT_WRITES_PER_MINUTE, burst: c.RATE_LIMIT_WRITES_BURST },
    revalidationLimit: {
      perMinute: c.RATE_LIMIT_REVALIDATIONS_PER_MINUTE,
      burst: c.RATE_LIMIT_REVALIDATIONS_BURST,
    },
    socketOpenLimit: { perMinute: c.RATE_LIMIT_SOCKET_OPENS_PER_MINUTE, burst: c.RATE_LIMIT_SOCKET_OPENS_BURST },
    jwtMaxAgeSeconds: c.JWT_MAX_AGE_SECONDS,
    idempotencyRetentionMs: Math.round(c.IDEMPOTENCY_RETENTION_SECONDS * 1000),
    idempotencyMaxKeys: c.IDEMPOTENCY_MAX_KEYS,
    teamTimeoutMs: c.TEAM_TIMEOUT_MS,
    corsOrigins: c.CORS_ORIGINS.split(",").map((o) => o.trim().replace(/\/+$/, "")).filter((o) => o && o !== "*"),
  };
}

const parsed = new WeakMap<object, Config>();
const NO_ENV = {};

/** `readConfig` once per env object, for the Worker's per-request callers (no env, as in `app.request`: defaults). */
export function configFor(env: Env | undefined): Config {
  const key = env ?? NO_ENV;
  let config = parsed.get(key);
  if (!config) parsed.set(key, (config = readConfig(key)));
  return config;
}
