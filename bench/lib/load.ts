// Load generation: autocannon for throughput runs, and a bounded concurrent sampler for runs
// where each request is different (cold users, distinct assistants).
import autocannon, { type RequestSpec } from "autocannon";
import { pool } from "./api.ts";
import { type Summary, summarize } from "./stats.ts";

export interface LoadSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
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
}

const TIMEOUT_S = 10;

/**
 * A short unrecorded warm-up (JIT, connection pools, isolate) and then the measured run. Latencies
 * come from autocannon's per-response float timings, not its whole-millisecond histogram.
 */
export async function load(run: LoadRun, s: LoadSettings): Promise<LoadResult> {
  if (s.warmupSeconds > 0) await once(run, s.connections, s.warmupSeconds, () => {});
  const samples: number[] = [];
  const result = await once(run, s.connections, s.seconds, (status, ms) => {
    if (status >= 200 && status < 300) samples.push(ms);
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, v]) => [code, v.count]));
  return { ...summarize(samples, result.duration, failed), statuses, samples, seconds: result.duration };
}

async function once(run: LoadRun, connections: number, seconds: number, onResponse: (status: number, ms: number) => void) {
  const instance = autocannon({
    url: run.url,
    connections,
    duration: seconds,
    timeout: TIMEOUT_S,
    headers: run.headers,
    requests: run.requests,
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => onResponse(status, ms));
  // autocannon stops by itself after `duration`; this only guards against a wedged run.
  const guard = setTimeout(() => instance.stop(), (seconds + TIMEOUT_S + 5) * 1000);
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
  const timing = Object.fromEntries(
    [...(res.headers.get("Server-Timing") ?? "").matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, dur]) => [name, Number(dur)]),
  );
  return { status: res.status, ms, timing, headers: res.headers };
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
