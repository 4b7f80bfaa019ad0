// HTTP helpers for the bench: the emulator's admin surface and the product's settings API.
import type { RequestStats } from "../../emulator/counters.ts";
import type { ResourceCounts } from "../../emulator/generate-resources.ts";
import type { JsonObject } from "../../emulator/json.ts";
import type { Assistant } from "../../emulator/org.ts";
import { devToken } from "../../scripts/token.ts";

/** A bench user: JWT `sub`, its own Vapi org (private key) and a signed token. */
export interface BenchUser {
  sub: string;
  key: string;
  token: string;
}

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url} → ${res.status} ${await res.text()}`);
  return res;
}

const post = (url: string, body: unknown, method = "POST") =>
  call(url, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

/** Runs `fn` over `items`, at most `limit` at a time (bounded: one pass over the array). */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class EmulatorAdmin {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  /** An org with `assistants` generated assistants and `more` generated phone numbers, tools and squads. */
  async registerOrg(key: string, assistants: number, more: ResourceCounts = {}): Promise<void> {
    await post(`${this.url}/__emulator/orgs`, { privateKey: key, assistants, ...more });
  }

  async assistants(key: string): Promise<Assistant[]> {
    return (await (await call(`${this.url}/__emulator/orgs/${encodeURIComponent(key)}/assistants`)).json()) as Assistant[];
  }

  /** Answers every request bearing one of `keys` after `latencyMs` instead of the start-up latency (a per-key fault). */
  async setLatency(keys: string[], latencyMs: { min: number; max: number }): Promise<void> {
    await post(`${this.url}/__emulator/faults`, { latencyMs, keys }, "PUT");
  }

  /** An org's phone numbers, tools or squads, as Vapi holds them. */
  async items(key: string, plural: "phone-numbers" | "tools" | "squads"): Promise<JsonObject[]> {
    return (await (await call(`${this.url}/__emulator/orgs/${encodeURIComponent(key)}/${plural}`)).json()) as JsonObject[];
  }

  async counters(): Promise<RequestStats> {
    return (await (await call(`${this.url}/__emulator/requests`)).json()) as RequestStats;
  }
}

/**
 * Makes `count` users, each with its own org of `assistants` assistants (and `more` phone numbers,
 * tools and squads), and stores each key
 * through the product, or each of the products (PUT /api/settings/vapi-key verifies it with
 * one upstream list call).
 */
export async function provision(
  emulator: EmulatorAdmin,
  base: string | readonly string[],
  prefix: string,
  count: number,
  assistants: number,
  more: ResourceCounts = {},
): Promise<BenchUser[]> {
  const subs = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const bases = typeof base === "string" ? [base] : base;
  return pool(subs, 20, async (sub) => {
    const key = `key-${sub}`;
    await emulator.registerOrg(key, assistants, more);
    const user = { sub, key, token: await devToken(sub, "1h") };
    for (const b of bases) await storeKey(b, user);
    return user;
  });
}

const SETUP_ATTEMPTS = 3;

/**
 * PUT /api/settings/vapi-key for `user` (the product verifies it with one upstream call). Setup,
 * not a measurement: on a saturated machine the verification's connection to the emulator can
 * fail (502/504), so it is tried again, a few times, before the run gives up.
 */
export async function storeKey(base: string, user: BenchUser): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}/api/settings/vapi-key`, {
      method: "PUT",
      headers: { ...auth(user.token), "Content-Type": "application/json" },
      body: JSON.stringify({ privateKey: user.key }),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status === 204) return;
    const text = await res.text();
    if (res.status < 502 || attempt >= SETUP_ATTEMPTS) throw new Error(`storing ${user.sub}'s key failed: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

export { call, post };
