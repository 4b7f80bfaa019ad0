import { evictDurableObject } from "cloudflare:test";
import { Assistant, ErrorBody, type TestUser, stubFor } from "./helpers";
import { z } from "zod";

/** One client operation as the client saw it. Versions are Vapi `updatedAt` in ms. */
export interface Op {
  client: number;
  /** The user the client belongs to (a team history spreads clients over several users). */
  user?: number;
  kind: "list" | "get" | "create" | "update" | "delete";
  id?: string;
  start: number;
  end: number;
  status: number;
  /** Acknowledged writes: the version Vapi gave it. */
  version?: number;
  /** Successful reads: what was seen, id → version. */
  seen?: Map<string, number>;
}

/** mulberry32: a small seeded PRNG, so a failing history can be replayed from its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const version = (a: { updatedAt: string }) => Date.parse(a.updatedAt);

/** Which resource a history runs against: its routes, answer keys and bodies. */
export interface HistoryTarget {
  /** `/api/assistants`, `/api/phone-numbers`, … */
  path: string;
  /** The answers' keys: one item, the list. */
  name: string;
  plural: string;
  /** A create body and a merge patch, named by `label` so every version differs. */
  create: (label: string) => Record<string, unknown>;
  update: (label: string) => Record<string, unknown>;
}

export const assistantsTarget: HistoryTarget = {
  path: "/api/assistants", name: "assistant", plural: "assistants",
  create: (label) => ({ name: label }), update: (label) => ({ name: label }),
};

/**
 * Runs `opsPerClient` random operations on each of `clients` concurrent clients, evicting the
 * coordinator at random. Given several users (`user` an array: teammates of one org), client c is
 * a tab of user c mod n, and evictions pick a user at random.
 */
export async function runHistory(
  user: TestUser | TestUser[],
  opts: { seed: number; clients: number; opsPerClient: number; initialIds: string[]; target?: HistoryTarget },
) {
  const users = Array.isArray(user) ? user : [user];
  const target = opts.target ?? assistantsTarget;
  const ListAnswer = z.object({ [target.plural]: z.array(Assistant) });
  const OneAnswer = z.object({ [target.name]: Assistant });
  const items = (body: unknown) => ListAnswer.parse(body)[target.plural]!;
  const itemOf = (body: unknown) => OneAnswer.parse(body)[target.name]!;
  const random = prng(opts.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const ids = [...opts.initialIds];
  const history: Op[] = [];
  let running = opts.clients;

  async function one(client: number) {
    const r = random();
    const id = pick(ids);
    const start = performance.now();
    const kind: Op["kind"] =
      r < 0.3 || !id ? (r < 0.15 || id ? "list" : "create") : r < 0.55 ? "get" : r < 0.7 ? "create" : r < 0.9 ? "update" : "delete";
    const path = kind === "list" || kind === "create" ? target.path : `${target.path}/${id}`;
    const init =
      kind === "create" ? { method: "POST", json: target.create(`c${client}-${history.length}`) }
      : kind === "update" ? { method: "PATCH", json: target.update(`u${client}-${history.length}`) }
      : kind === "delete" ? { method: "DELETE" }
      : {};
    const res = await users[client % users.length]!.req(path, init).catch(() => undefined);
    const op: Op = { client, user: client % users.length, kind, id: kind === "list" || kind === "create" ? undefined : id, start, end: performance.now(), status: res?.status ?? 0 };
    if (res?.ok) {
      const body: unknown = await res.json();
      if (kind === "list") op.seen = new Map(items(body).map((a) => [a.id, version(a)]));
      if (kind === "get") op.seen = new Map([[id!, version(itemOf(body))]]);
      if (kind === "create" || kind === "update") {
        const a = itemOf(body);
        op.id = a.id;
        op.version = version(a);
        if (kind === "create") ids.push(a.id);
      }
    } else if (res) {
      ErrorBody.parse(await res.json());
    }
    history.push(op);
  }

  const clients = Array.from({ length: opts.clients }, async (_, c) => {
    for (let i = 0; i < opts.opsPerClient; i++) await one(c);
    running--;
  });
  const chaos = (async () => {
    while (running > 0) {
      await new Promise((r) => setTimeout(r, 50 + random() * 400));
      if (running > 0 && random() < 0.5) await evictDurableObject(stubFor(pick(users)!.sub));
    }
  })();
  await Promise.all([...clients, chaos]);
  return history;
}

/**
 * Checks invariants 1 (read-your-writes), 2 (monotonic versions), 3 (no resurrection) and
 * 9 (complete lists) over a history; returns the violations found, in words. 1, 3 and 9 hold
 * across every client of every user; 2 is per cache, so per user (`Op.user`): a teammate's copy
 * may still show the older version while the write's fan-out is under way, never after its answer.
 */
export function violations(history: Op[]): string[] {
  const found: string[] = [];
  const acked = history.filter((o) => o.status >= 200 && o.status < 300 && ["create", "update", "delete"].includes(o.kind));
  const reads = history.filter((o) => o.seen);
  // A delete that was attempted may have landed in Vapi even if the client never heard back.
  const deleteTried = (id: string, before: number) => history.some((o) => o.kind === "delete" && o.id === id && o.start < before);

  for (const r of reads) {
    const latest = new Map<string, Op>();
    for (const w of acked) if (w.end < r.start && (!latest.has(w.id!) || latest.get(w.id!)!.end < w.end)) latest.set(w.id!, w);
    for (const [id, w] of latest) {
      if (r.kind === "get" && r.id !== id) continue;
      const seen = r.seen!.get(id);
      if (w.kind === "delete") {
        if (seen !== undefined) found.push(`${r.kind} at ${r.start.toFixed(0)} shows ${id}, deleted and acknowledged at ${w.end.toFixed(0)} (inv. 1/3)`);
      } else if (seen === undefined) {
        if (!deleteTried(id, r.end)) found.push(`${r.kind} at ${r.start.toFixed(0)} misses ${id}, ${w.kind}d and acknowledged at ${w.end.toFixed(0)} (inv. 1/9)`);
      } else if (seen < w.version!) {
        found.push(`${r.kind} at ${r.start.toFixed(0)} shows ${id} at version ${seen}, older than acknowledged ${w.version} (inv. 1)`);
      }
    }
  }
  for (const a of reads) {
    for (const b of reads) {
      if (a.end >= b.start || a.user !== b.user) continue;
      for (const [id, v] of b.seen!) {
        const earlier = a.seen!.get(id);
        if (earlier !== undefined && v < earlier) found.push(`${id} went back from version ${earlier} to ${v} (inv. 2)`);
      }
    }
  }
  return found;
}
