// What the cache did during a run, from GET /api/cache/stats before and after, each user with its
// own token: the counters are per user and since its coordinator started.
import { z } from "zod";
import { auth, call, pool } from "../lib/api.ts";
import type { User } from "./options.ts";

const Counters = z.object({
  since: z.string(),
  hits: z.number(),
  misses: z.number(),
  coalesced: z.number(),
  upstreamCalls: z.number(),
  upstreamErrors: z.number(),
  errors: z.number(),
  writes: z.number(),
  hotLayer: z.object({ entries: z.number() }),
});
export type Counters = z.infer<typeof Counters>;

/** One user's counters over the run (after − before). */
export interface UserDelta {
  user: string;
  hits: number;
  misses: number;
  coalesced: number;
  upstreamCalls: number;
  upstreamErrors: number;
  writes: number;
  /** hits ÷ (hits + misses + coalesced); null without reads. */
  hitRatio: number | null;
  /** The coordinator restarted during the run (evicted, deployed): counters are since then. */
  restarted: boolean;
}

export async function readCounters(base: string, user: User): Promise<Counters> {
  const res = await call(`${base}/api/cache/stats`, { headers: auth(user.token) }).catch((err: unknown) => {
    throw new Error(`GET /api/cache/stats for ${user.label} failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  return Counters.parse(await res.json());
}

/** Every user's counters, 20 at a time. */
export function snapshot(base: string, users: readonly User[]): Promise<Counters[]> {
  return pool(users, 20, (u) => readCounters(base, u));
}

export function delta(user: string, before: Counters, after: Counters): UserDelta {
  const restarted = before.since !== after.since;
  const d = (k: "hits" | "misses" | "coalesced" | "upstreamCalls" | "upstreamErrors" | "writes") => after[k] - (restarted ? 0 : before[k]);
  const reads = d("hits") + d("misses") + d("coalesced");
  return {
    user,
    hits: d("hits"),
    misses: d("misses"),
    coalesced: d("coalesced"),
    upstreamCalls: d("upstreamCalls"),
    upstreamErrors: d("upstreamErrors"),
    writes: d("writes"),
    hitRatio: reads ? d("hits") / reads : null,
    restarted,
  };
}
