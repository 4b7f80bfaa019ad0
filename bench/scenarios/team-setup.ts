// The team scenario's users: N bench users who stored keys of one emulator org (a team, issue
// 20), each with a warm cache and an open events socket, and the counters read from each one's
// /api/cache/stats (the only window on what the coordinators did: no private fields).
import { z } from "zod";
import { devToken } from "../../scripts/token.ts";
import { auth, type BenchUser, call, type EmulatorAdmin, pool, storeKey } from "../lib/api.ts";
import { BenchTab } from "../lib/tab.ts";

export interface Member {
  user: BenchUser;
  tab: BenchTab;
}

export interface Team {
  key: string;
  /** The assistant every write of the scenario patches. */
  id: string;
  /** members[0] writes; members[1] is the one whose cached reads are polled. */
  members: Member[];
}

/**
 * Registers an org of `assistants` with its own Vapi latency, stores its key for `size` users on
 * `base` (each joins the org's team, unless the product runs with teams off), reads each one's
 * list (a warm cache: every assistant held) and opens each one's tab.
 */
export async function makeTeam(
  emulator: EmulatorAdmin, base: string, name: string, size: number, assistants: number, latency: { min: number; max: number },
): Promise<Team> {
  const key = `key-${name}`;
  await emulator.registerOrg(key, assistants);
  await emulator.setLatency([key], latency);
  const [first] = await emulator.assistants(key);
  if (!first) throw new Error(`${name}: the org has no assistant`);
  // Few at a time: every store is a Vapi call and a team join on a machine shared with the runtime.
  const members = await pool(Array.from({ length: size }, (_, i) => `${name}-${i}`), 8, async (sub) => {
    const user = { sub, key, token: await devToken(sub, "2h") };
    await storeKey(base, user);
    await call(`${base}/api/assistants`, { headers: auth(user.token) });
    const one = await call(`${base}/api/assistants/${first.id}`, { headers: auth(user.token) });
    await one.arrayBuffer();
    if (!/; hit/.test(one.headers.get("Cache-Status") ?? "")) throw new Error(`${sub}: the assistant is not cached after the list read`);
    return { user, tab: await BenchTab.open(base, user.token) };
  });
  return { key, id: first.id, members };
}

const Stats = z.object({
  writes: z.number(),
  misses: z.number(),
  upstreamCalls: z.number(),
  team: z.object({ coordinated: z.number(), unavailable: z.number(), applied: z.number() }),
});
export type Counters = z.infer<typeof Stats>;

/** Each member's counters, in member order. */
export function counters(base: string, team: Team): Promise<Counters[]> {
  return pool(team.members, 8, async (m) => Stats.parse(await (await call(`${base}/api/cache/stats`, { headers: auth(m.user.token) })).json()));
}

/** after − before of one counter, summed over the members `from`.. (0: all, 1: the teammates). */
export function delta(before: Counters[], after: Counters[], of: (c: Counters) => number, from = 0): number {
  let sum = 0;
  for (let i = from; i < after.length; i++) sum += of(after[i]!) - of(before[i]!);
  return sum;
}

export function closeTeam(team: Team) {
  for (const m of team.members) m.tab.close();
}
