// One load test: learn each user's assistants, phone numbers, tools and squads, read the cache
// counters, send the scenario's traffic, read the counters again, and put answers and counters
// side by side.
import { z } from "zod";
import { auth, call, pool } from "../lib/api.ts";
import { MIX_RESOURCES, type MixResource } from "../lib/mix.ts";
import { percentile } from "../lib/stats.ts";
import { delta, snapshot, type UserDelta } from "./cache-stats.ts";
import type { Options, Scenario, User } from "./options.ts";
import { hot, mixed, type RampStep, ramp, type ScenarioCtx, stampede, type Target, type Traffic } from "./scenarios.ts";
import { type Outcome, Tally } from "./tally.ts";

export interface Report {
  scenario: Scenario;
  url: string;
  startedAt: string;
  settings: { connections: number; durationSeconds: number; rate: number | null; maxRequests: number; users: number };
  /** Requests sent: answered + errors + cutOff. */
  requests: number;
  answered: number;
  /** Requests with no answer (socket errors, timeouts). */
  errors: number;
  /** In flight when the run's time was up: sent (the server may have counted them), answer not awaited. */
  cutOff: number;
  seconds: number;
  rps: number;
  /** Of 2xx answers. */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  statuses: Record<string, number>;
  cacheStatus: Record<Outcome, number>;
  /** The same per resource (`assistants`, `phone-numbers`, `tools`, `squads`): the mix reads all four, a stampede assistants. */
  cacheStatusByResource: Record<string, Partial<Record<Outcome, number>>>;
  /** Sum over users of GET /api/cache/stats upstreamCalls, after − before. */
  upstreamCalls: number;
  users: (UserDelta & { requests: number })[];
  notes: string[];
  ramp?: { steps: RampStep[]; knee: number | null };
}

const SCENARIO_RUNS: Record<Scenario, (ctx: ScenarioCtx) => Promise<Traffic>> = { hot, stampede, mixed, ramp };

export async function loadtest(opts: Options, tally: Tally, phase: (text: string) => void): Promise<Report> {
  phase("reading each user's lists");
  // The stampede must find the list cold, so it reads nothing first; the others need ids.
  const targets = opts.scenario === "stampede" ? opts.users.map((u) => ({ token: u.token, ids: {}, bodies: new Map<string, string>() })) : await learn(opts);
  phase("reading cache stats (before)");
  const before = await snapshot(opts.base, opts.users);
  const startedAt = new Date().toISOString();
  const traffic = await SCENARIO_RUNS[opts.scenario]({ opts, targets, before, tally, phase });
  phase("reading cache stats (after)");
  const after = await snapshot(opts.base, opts.users);
  const users = opts.users.map((u, i) => {
    const [b, a] = [before[i], after[i]];
    if (!b || !a) throw new Error("missing stats");
    return { ...delta(u.label, b, a), requests: tally.sentBy[i] ?? 0 };
  });
  const sorted = [...traffic.samples].sort((x, y) => x - y);
  const pct = (p: number) => (sorted.length ? percentile(sorted, p) : null);
  const notes = [...traffic.notes];
  if (opts.scenario !== "stampede") notes.unshift("each user's lists (assistants, phone numbers, tools, squads) were read once before the run to learn their ids; those reads are not counted");
  if (users.some((u) => u.restarted)) notes.push("a user's coordinator restarted during the run: its counters cover only the time since");
  return {
    scenario: opts.scenario,
    url: opts.base,
    startedAt,
    settings: { connections: opts.connections, durationSeconds: opts.seconds, rate: opts.rate ?? null, maxRequests: opts.maxRequests, users: opts.users.length },
    requests: tally.sent,
    answered: tally.answers,
    errors: tally.errors,
    cutOff: Math.max(0, tally.sent - tally.answers - tally.errors),
    seconds: traffic.seconds,
    rps: traffic.seconds > 0 ? tally.answers / traffic.seconds : 0,
    latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: pct(1) },
    statuses: tally.statuses,
    cacheStatus: tally.cache,
    cacheStatusByResource: tally.byResource,
    upstreamCalls: users.reduce((sum, u) => sum + u.upstreamCalls, 0),
    users,
    notes,
    ...(traffic.ramp ? { ramp: traffic.ramp } : {}),
  };
}

// The answer's key of each resource's list (`{"phoneNumbers": [...]}`).
const LIST_KEY: Record<MixResource, string> = { assistants: "assistants", "phone-numbers": "phoneNumbers", tools: "tools", squads: "squads" };
const Item = z.looseObject({ id: z.string() });

/**
 * What a write may send so that it changes nothing: the fields the mix writes, as they are. A
 * name only if it has one (no name must not become null); a squad's members (Vapi's update
 * requires them); a tool's `messages` only if it has them (its other fields depend on its type).
 */
function writeBack(resource: MixResource, item: z.infer<typeof Item>): string | undefined {
  const name = typeof item.name === "string" ? { name: item.name } : {};
  if (resource === "squads") return Array.isArray(item.members) ? JSON.stringify({ ...name, members: item.members }) : undefined;
  if (resource === "tools") return Array.isArray(item.messages) ? JSON.stringify({ messages: item.messages }) : undefined;
  return typeof item.name === "string" ? JSON.stringify(name) : undefined;
}

/** Reads each user's lists once: single reads pick from their ids, writes send back what is there. */
function learn(opts: Options): Promise<Target[]> {
  return pool(opts.users, 20, async (u: User) => {
    const ids: Partial<Record<MixResource, string[]>> = {};
    const bodies = new Map<string, string>();
    for (const resource of MIX_RESOURCES) {
      const res = await call(`${opts.base}/api/${resource}`, { headers: auth(u.token) }).catch((err: unknown) => {
        throw new Error(`${u.label}: ${err instanceof Error ? err.message : String(err)}`);
      });
      const list = z.record(z.string(), z.unknown()).parse(await res.json())[LIST_KEY[resource]];
      const items = z.array(Item).parse(list);
      ids[resource] = items.map((i) => i.id);
      for (const item of items) {
        const body = writeBack(resource, item);
        if (body !== undefined) bodies.set(`${resource}/${item.id}`, body);
      }
    }
    return { token: u.token, ids, bodies };
  });
}
