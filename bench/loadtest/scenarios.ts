// The traffic of each scenario. Answers go into the tally; the runner reads the cache's counters
// before and after, so every request here is one the report accounts for.
import type { RequestParams } from "autocannon";
import { auth } from "../lib/api.ts";
import { burst, load, type LoadResult, type LoadSettings } from "../lib/load.ts";
import { type MixUser, mixedRequests } from "../lib/mix.ts";
import { percentile } from "../lib/stats.ts";
import type { Counters } from "./cache-stats.ts";
import type { Options } from "./options.ts";
import { header, type Tally } from "./tally.ts";

/** A user as the mix needs it, plus a body per writable item (`<resource>/<id>`) that writes it back as it is. */
export interface Target extends MixUser {
  bodies: ReadonlyMap<string, string>;
}

export interface RampStep {
  connections: number;
  /** Answered or failed (socket error, timeout); requests cut off at the step's end are not in it. */
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errorRate: number;
  withinBounds: boolean;
}

export interface Traffic {
  /** 2xx latencies, ms. */
  samples: number[];
  seconds: number;
  notes: string[];
  ramp?: { steps: RampStep[]; knee: number | null };
}

export interface ScenarioCtx {
  opts: Options;
  targets: Target[];
  before: Counters[];
  tally: Tally;
  /** What the progress line says the run is doing. */
  phase: (text: string) => void;
}

const MIXED_WRITE_SHARE = 0.05; // the bench's many-users mix: per resource 47.5% list, 47.5% one, 5% PATCH
const MAX_ERROR_RATE = 0.01;

async function drive(ctx: ScenarioCtx, writeShare: number, settings: LoadSettings): Promise<LoadResult> {
  const spec = mixedRequests(ctx.targets, {
    writeShare,
    // Writing fields back unchanged exercises the whole write path without changing anyone's data;
    // an item with nothing to write back is read instead.
    patchBody: (u, resource, id) => ctx.targets[u]?.bodies.get(`${resource}/${id}`),
  });
  // autocannon builds each request just before sending it, so this counts what was sent.
  const setupRequest = (req: RequestParams, context: Record<string, unknown>) => {
    const built = spec.setupRequest?.(req, context) ?? req;
    ctx.tally.send(Number(context.user));
    return built;
  };
  const onResponse = (status: number, _body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) =>
    ctx.tally.record(status, header(headers, "cache-status"), String(context.resource));
  const r = await load({ url: ctx.opts.base, requests: [{ setupRequest, onResponse }] }, settings);
  ctx.tally.errors += r.errors;
  return r;
}

const settings = (o: Options, connections = o.connections, seconds = o.seconds): LoadSettings => ({
  connections,
  seconds,
  warmupSeconds: 0,
  rate: o.rate,
  maxRequests: o.maxRequests,
});

export async function hot(ctx: ScenarioCtx): Promise<Traffic> {
  ctx.phase("reads");
  const r = await drive(ctx, 0, settings(ctx.opts));
  return { samples: r.samples, seconds: r.seconds, notes: [] };
}

export async function mixed(ctx: ScenarioCtx): Promise<Traffic> {
  ctx.phase("reads and writes");
  const r = await drive(ctx, MIXED_WRITE_SHARE, settings(ctx.opts));
  return { samples: r.samples, seconds: r.seconds, notes: [] };
}

/** N simultaneous list reads of one user: a cold or expired list should cost one upstream call. */
export async function stampede(ctx: ScenarioCtx): Promise<Traffic> {
  const user = ctx.opts.users[0];
  if (!user) throw new Error("no user");
  const notes = ctx.opts.users.length > 1 ? [`stampede reads one user: ${user.label} (the first token)`] : [];
  const cachedBefore = ctx.before[0]?.hotLayer.entries ?? 0;
  if (cachedBefore > 0 && !ctx.opts.revalidate) {
    notes.push(`${user.label} had ${cachedBefore} assistant(s) cached before the stampede: if its list was still fresh, the reads are hits and show no coalescing (use a user not read within the TTL, or --revalidate)`);
  }
  const n = Math.min(ctx.opts.connections, ctx.opts.maxRequests);
  ctx.phase(`${n} simultaneous reads`);
  const started = performance.now();
  for (let i = 0; i < n; i++) ctx.tally.send(0);
  // no-cache reads that arrive while a revalidation is in flight join it; later ones start another.
  const headers = { ...auth(user.token), ...(ctx.opts.revalidate ? { "Cache-Control": "no-cache" } : {}) };
  const results = await burst(n, `${ctx.opts.base}/api/assistants`, { headers });
  const seconds = (performance.now() - started) / 1000;
  for (const r of results) {
    if (r.status === 0) ctx.tally.errors++;
    else ctx.tally.record(r.status, r.headers.get("cache-status") ?? undefined, "assistants");
  }
  if (ctx.tally.cache.hit === ctx.tally.answers && ctx.tally.answers > 0) {
    notes.push("every read was a hit: the list was fresh, so there was nothing to coalesce");
  }
  const samples = results.flatMap((r) => (r.status >= 200 && r.status < 300 ? [r.ms] : []));
  return { samples, seconds, notes };
}

/** Read load at 1, 2, 4… connections until p99 or the error rate crosses its bound: the knee. */
export async function ramp(ctx: ScenarioCtx): Promise<Traffic> {
  const levels: number[] = [];
  for (let c = 1; c < ctx.opts.connections; c *= 2) levels.push(c);
  levels.push(ctx.opts.connections);
  // Whole seconds: autocannon checks its deadline once a second, so 1.6 s would run for 2.
  const stepSeconds = Math.max(1, Math.floor(ctx.opts.seconds / levels.length));
  const steps: RampStep[] = [];
  const samples: number[] = [];
  let seconds = 0;
  for (const [i, connections] of levels.entries()) {
    ctx.phase(`step ${i + 1}/${levels.length}: ${connections} connection(s)`);
    const r = await drive(ctx, 0, settings(ctx.opts, connections, stepSeconds));
    const answered = Object.values(r.statuses).reduce((a, b) => a + b, 0);
    const requests = answered + r.errors;
    const sorted = [...r.samples].sort((a, b) => a - b);
    const errorRate = requests ? (requests - r.samples.length) / requests : 1;
    const p99 = percentile(sorted, 0.99);
    const withinBounds = errorRate <= MAX_ERROR_RATE && p99 <= ctx.opts.maxP99Ms;
    steps.push({ connections, requests, rps: requests / r.seconds, p50: percentile(sorted, 0.5), p99, errorRate, withinBounds });
    samples.push(...r.samples);
    seconds += r.seconds;
    if (!withinBounds) break;
  }
  const knee = steps.findLast((s) => s.withinBounds)?.connections ?? null;
  const notes = steps.every((s) => s.withinBounds)
    ? [`no knee up to ${ctx.opts.connections} connections: p99 ≤ ${ctx.opts.maxP99Ms} ms and errors ≤ ${MAX_ERROR_RATE * 100}% at every step`]
    : [];
  return { samples, seconds, notes, ramp: { steps, knee } };
}
