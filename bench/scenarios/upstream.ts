// Misses and writes: requests that must reach Vapi. What the product adds is the overhead over
// the emulator's own latency, so each product request is paired with the same kind of request
// sent straight to the emulator by the same client, interleaved, in the same run.
import { auth, type BenchUser, pool } from "../lib/api.ts";
import { type Sampled, timedFetch } from "../lib/load.ts";
import { medianNoise, summarize } from "../lib/stats.ts";
import type { Ctx, OverheadResult } from "../lib/types.ts";
import { HIT } from "./cpu.ts";

// Enough in flight to finish in seconds, few enough that requests do not queue for the CPU
// (a 2-core machine runs the load generator, two workerd processes and wrangler's Node).
const CONCURRENCY = 8;
const json = { "Content-Type": "application/json" };

/** Cold list reads: each user's first GET /api/assistants after storing its key (empty cache). */
export function misses(ctx: Ctx, users: BenchUser[]): Promise<OverheadResult> {
  return paired(users, {
    direct: (u) => timedFetch(`${ctx.emulator.url}/assistant?limit=1000`, { headers: auth(u.key) }),
    product: (u) => timedFetch(`${ctx.base}/api/assistants`, { headers: auth(u.token) }),
    hit: (u) => timedFetch(`${ctx.base}/api/assistants`, { headers: auth(u.token) }),
    expect: /fwd=miss/,
  });
}

/** PATCH {name} through the coordinator, each on a distinct assistant, vs PATCH straight to Vapi. */
export async function writes(ctx: Ctx, users: BenchUser[]): Promise<OverheadResult> {
  // Two distinct assistants per user: one patched directly, one through the product.
  const ids = await pool(users, CONCURRENCY, async (u) => (await ctx.emulator.assistants(u.key)).map((a) => a.id));
  const idOf = (u: BenchUser, k: number) => {
    const id = ids[users.indexOf(u)]?.[k];
    if (!id) throw new Error(`${u.sub} has fewer than ${k + 1} assistants`);
    return id;
  };
  const patch = (name: string) => ({ method: "PATCH", body: JSON.stringify({ name }) });
  return paired(users, {
    direct: (u) =>
      timedFetch(`${ctx.emulator.url}/assistant/${idOf(u, 1)}`, { ...patch(`Direct ${u.sub}`), headers: { ...auth(u.key), ...json } }),
    product: (u) =>
      timedFetch(`${ctx.base}/api/assistants/${idOf(u, 0)}`, { ...patch(`Bench ${u.sub}`), headers: { ...auth(u.token), ...json } }),
    hit: (u) => timedFetch(`${ctx.base}/api/assistants/${idOf(u, 0)}`, { headers: auth(u.token) }),
    expect: /fwd=method; stored/,
  });
}

interface Pair {
  direct: (u: BenchUser) => Promise<Sampled>;
  product: (u: BenchUser) => Promise<Sampled>;
  /**
   * A hit of what `product` just cached, sent right after it by the same client: its latency −
   * `total` is the client's HTTP exchange with the Worker under the same load, which a direct call
   * to Vapi pays too (its own exchange), and the Worker's Server-Timing cannot see.
   */
  hit: (u: BenchUser) => Promise<Sampled>;
  /** What the product's Cache-Status must say, so a hit is never counted as a miss. */
  expect: RegExp;
}

async function paired(users: BenchUser[], pair: Pair): Promise<OverheadResult> {
  const started = performance.now();
  const results = await pool(users, CONCURRENCY, async (u) => {
    const direct = await pair.direct(u).catch(() => null);
    const product = await pair.product(u).catch(() => null);
    const hit = product ? await pair.hit(u).catch(() => null) : null;
    return { direct, product, hit: hit && HIT.test(hit.headers.get("Cache-Status") ?? "") && hit.timing.total !== undefined ? hit : null };
  });
  const seconds = (performance.now() - started) / 1000;
  const okDirect = results.flatMap((r) => (r.direct && r.direct.status < 300 ? [r.direct] : []));
  const okProduct = results.flatMap((r) =>
    r.product && r.product.status < 300 && pair.expect.test(r.product.headers.get("Cache-Status") ?? "") ? [r.product] : [],
  );
  if (okProduct.length < users.length || okDirect.length < users.length) {
    const statuses = results.map((r) => `${r.product?.status ?? "error"} ${r.product?.headers.get("Cache-Status") ?? ""}`);
    throw new Error(`${users.length - okProduct.length} product / ${users.length - okDirect.length} direct requests failed: ${statuses.slice(0, 3).join(" | ")}`);
  }
  const product = summarize(okProduct.map((r) => r.ms), seconds);
  const direct = summarize(okDirect.map((r) => r.ms), seconds);
  const unexplained = okProduct.flatMap((r) => (r.timing.vapi === undefined ? [] : [r.ms - r.timing.vapi]));
  // Per pair: latency − vapi − the hit's latency − total (its HTTP exchange with the Worker).
  const hop = (h: Sampled) => h.ms - (h.timing.total ?? 0);
  const net = results.flatMap(({ product, hit }) =>
    product && hit && product.timing.vapi !== undefined && okProduct.includes(product) ? [product.ms - product.timing.vapi - hop(hit)] : [],
  );
  const hops = results.flatMap(({ hit }) => (hit ? [hop(hit)] : []));
  const timingP50 = (name: string) => summarize(okProduct.map((r) => r.timing[name] ?? 0), null).p50;
  return {
    ...product,
    rps: null, // bounded by the emulator's latency and the bench's concurrency, not the product
    emulatorP50: direct.p50,
    overhead: product.p50 - direct.p50,
    noise: Math.hypot(medianNoise(okProduct.map((r) => r.ms)), medianNoise(okDirect.map((r) => r.ms))),
    pairedOverhead: summarize(unexplained, null).p50,
    hop: hops.length ? summarize(hops, null).p50 : undefined,
    netOverhead: net.length ? summarize(net, null).p50 : undefined,
    serverTiming: { cache: timingP50("cache"), d1: timingP50("d1"), vapi: timingP50("vapi") },
    accounting: accounting(okProduct),
  };
}

/** Each phase's p50, and what the phases leave of the Worker's `total` and of the latency (issue #23 item 4). */
function accounting(sampled: Sampled[]): OverheadResult["accounting"] {
  const timed = sampled.filter((r) => r.timing.total !== undefined);
  if (timed.length === 0) return undefined;
  const names = [...new Set(timed.flatMap((r) => Object.keys(r.timing)))];
  const p50 = (values: number[]) => summarize(values, null).p50;
  const rest = (r: Sampled) => {
    const { total = 0, ...parts } = r.timing;
    return total - Object.values(parts).reduce((a, b) => a + b, 0);
  };
  return {
    phases: Object.fromEntries(names.map((n) => [n, p50(timed.map((r) => r.timing[n] ?? 0))])),
    unaccounted: p50(timed.map(rest)),
    outside: p50(timed.map((r) => r.ms - (r.timing.total ?? 0))),
  };
}
