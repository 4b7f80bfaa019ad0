// Load generation: autocannon for throughput runs, and a bounded concurrent sampler for runs
// where each request is different (cold users, distinct assistants).
import autocannon, { type RequestSpec } from "autocannon";
import { pool } from "./api.ts";
import { type Summary, summarize } from "./stats.ts";

export interface LoadSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Requests per second over all connections (default: as fast as answers come). */
  rate?: number;
  /** Stops the measured run after this many requests, even before `seconds` are up. */
  maxRequests?: number;
}

export interface LoadRun {
  url: string;
  headers?: Record<string, string>;
  /** A request generator (autocannon `requests`), e.g. a random user per request. */
  requests?: RequestSpec[];
}

export interface LoadResult extends Summary {
  statuses: Record<string, number>;
  /** The raw 2xx latencies and the measured window, for pooling several runs. */
  samples: number[];
  seconds: number;
  /** Requests that got no answer: socket errors and timeouts. */
  errors: number;
}

const TIMEOUT_S = 10;

/**
 * A short unrecorded warm-up (JIT, connection pools, isolate) and then the measured run. Latencies
 * come from autocannon's per-response float timings, not its whole-millisecond histogram.
 */
export async function load(run: LoadRun, s: LoadSettings): Promise<LoadResult> {
  if (s.warmupSeconds > 0) await once(run, { ...s, seconds: s.warmupSeconds }, () => {});
  const samples: number[] = [];
  const result = await once(run, s, (status, ms) => {
    if (status >= 200 && status < 300) samples.push(ms);
  });
  const errors = result.errors + result.timeouts;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, v]) => [code, v.count]));
  return { ...summarize(samples, result.duration, errors + result.non2xx), statuses, samples, seconds: result.duration, errors };
}

async function once(run: LoadRun, s: LoadSettings, onResponse: (status: number, ms: number) => void) {
  const instance = autocannon({
    url: run.url,
    connections: s.connections,
    duration: s.seconds,
    timeout: TIMEOUT_S,
    headers: run.headers,
    requests: run.requests,
    overallRate: s.rate,
    maxOverallRequests: s.maxRequests,
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => onResponse(status, ms));
  // autocannon stops by itself after `duration`; this only guards against a wedged run.
  const guard = setTimeout(() => instance.stop(), (s.seconds + TIMEOUT_S + 5) * 1000);
  try {
    return await instance;
  } finally {
    clearTimeout(guard);
  }
}

/** What one sampled request reports: its status and, if the product sent it, upstream ms. */
export interface Sampled {
  status: number;
  ms: number;
  /** Server-Timing durations by name (the product sends cache, d1 and vapi). */
  timing: Record<string, number>;
  headers: Headers;
}

/** Times one fetch, reading the whole body (that is when a browser has the answer). */
export async function timedFetch(url: string, init: RequestInit = {}): Promise<Sampled> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_S * 1000) });
  await res.arrayBuffer();
  const ms = performance.now() - started;
  return { status: res.status, ms, timing: timingOf(res.headers), headers: res.headers };
}

/** Server-Timing durations by name (`cache;dur=4, d1;dur=3, vapi;dur=374` → {cache: 4, …}). */
export function timingOf(headers: Headers): Record<string, number> {
  return Object.fromEntries(
    [...(headers.get("Server-Timing") ?? "").matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, dur]) => [name, Number(dur)]),
  );
}

/** `count` requests at once, one fetch each (Node's fetch opens as many connections as needed). */
export function burst(count: number, url: string, init: RequestInit, onAnswer: () => void = () => {}): Promise<Sampled[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      timedFetch(url, init)
        .catch((err: unknown): Sampled => ({ status: 0, ms: Number.NaN, timing: {}, headers: new Headers({ "x-error": String(err) }) }))
        .finally(onAnswer),
    ),
  );
}

/** Runs one request per item, `concurrency` at a time, and summarizes the 2xx latencies. */
export async function sample<T>(items: readonly T[], concurrency: number, send: (item: T) => Promise<Sampled>) {
  const started = performance.now();
  // A request that throws (socket error, timeout) counts as failed, status 0.
  const failed = (): Sampled => ({ status: 0, ms: Number.NaN, timing: {}, headers: new Headers() });
  const results = await pool(items, concurrency, (item) => send(item).catch(failed));
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => r.status >= 200 && r.status < 300);
  return { results, ok, summary: summarize(ok.map((r) => r.ms), seconds, results.length - ok.length) };
}
